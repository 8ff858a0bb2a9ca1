using System.Globalization;

namespace OrleansRep.Grains.Interfaces;

/// <summary>The keys of the service's grains. "@{site}" places a grain on that site's silo (site-keyed placement).</summary>
public static class GrainKeys
{
    /// <summary>"shard/{shard}@{site}": <see cref="ILogShardGrain"/>, one shard's replica on one site.</summary>
    public static string Shard(int shard, int site) => string.Create(CultureInfo.InvariantCulture, $"shard/{shard}@{site}");

    /// <summary>"election/{shard}@{site}": <see cref="IElectionGrain"/>, the site's participant in the shard's elections.</summary>
    public static string Election(int shard, int site) => string.Create(CultureInfo.InvariantCulture, $"election/{shard}@{site}");

    /// <summary>"site@{site}": <see cref="ISiteGrain"/>, the site itself ("site/{id}" would not be site-keyed, so it
    /// would not be placed on its own silo).</summary>
    public static string Site(int site) => string.Create(CultureInfo.InvariantCulture, $"site@{site}");

    /// <summary>Parses "{prefix}/{shard}@{site}"; throws <see cref="FormatException"/> on anything else.</summary>
    public static (int Shard, int Site) ParseShardKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var at = key.LastIndexOf('@');
        if (slash < 0 || at < slash
            || !int.TryParse(key.AsSpan(slash + 1, at - slash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var shard)
            || !int.TryParse(key.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var site) || site < 1)
        {
            throw new FormatException($"'{key}' is not a shard grain key (prefix/shard@site)");
        }

        return (shard, site);
    }

    /// <summary>"recovery@{site}": <see cref="IRecoveryGrain"/>, the site's part in the recovery master's loop.</summary>
    public static string Recovery(int site) => string.Create(CultureInfo.InvariantCulture, $"recovery@{site}");
}
