using System.Globalization;
using System.Net;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// A site's site-to-site endpoint as the group records it ("ip:port", as <see cref="IPEndPoint.ToString"/> writes it):
/// peers place the site's grains there, so it must be an address they can reach: a literal IP (no host names: every
/// silo must agree on the same text), not 0.0.0.0 or ::, and a port of 1..65535.
/// </summary>
public static class SiteEndPoint
{
    /// <summary>The endpoint in its recorded form, or null when <paramref name="text"/> is not one.</summary>
    public static string? Normalize(string? text) =>
        text is not null && IPEndPoint.TryParse(text.Trim(), out var endPoint) && endPoint.Port is > 0 and <= 65535
            && !endPoint.Address.Equals(IPAddress.Any) && !endPoint.Address.Equals(IPAddress.IPv6Any)
            && text.Contains(':', StringComparison.Ordinal)
            ? endPoint.ToString()
            : null;

    /// <summary>The endpoint in its recorded form.</summary>
    /// <exception cref="SiteChangeRejectedException"><paramref name="text"/> is not a reachable ip:port.</exception>
    public static string Check(string? text) =>
        Normalize(text) ?? throw new SiteChangeRejectedException(string.Create(CultureInfo.InvariantCulture,
            $"'{text}' is not a site endpoint: give the site's site-to-site address as ip:port (e.g. 127.0.0.1:11114), not 0.0.0.0"));
}
