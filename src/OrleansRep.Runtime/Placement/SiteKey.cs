using System.Globalization;

namespace OrleansRep.Runtime.Placement;

/// <summary>
/// The site-keyed grain convention: a grain key ending in <c>@{siteId}</c>, where the site id is a positive decimal
/// integer without sign or leading zeros (for example <c>"shard/3@2"</c>), names the site whose silo hosts the grain.
/// Any other key (no '@', or text after the last '@' that is not such a number, as in an e-mail address) is not
/// site-keyed and is placed by consistent hashing.
/// </summary>
public static class SiteKey
{
    /// <summary>True if <paramref name="key"/> names a site; <paramref name="siteId"/> is then that site.</summary>
    public static bool TryParse(string key, out int siteId)
    {
        ArgumentNullException.ThrowIfNull(key);
        siteId = 0;
        int at = key.LastIndexOf('@');
        if (at < 0)
        {
            return false;
        }

        ReadOnlySpan<char> digits = key.AsSpan(at + 1);
        // Only the canonical spelling counts, so one site has one key suffix ("@02" is not site 2).
        if (digits.IsEmpty || digits[0] == '0' || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out siteId);
    }

    /// <summary>The key <paramref name="name"/> placed on site <paramref name="siteId"/>: <c>{name}@{siteId}</c>.</summary>
    public static string Format(string name, int siteId)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(siteId, 1);
        return string.Create(CultureInfo.InvariantCulture, $"{name}@{siteId}");
    }
}
