using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Client.Tests.Fakes;

/// <summary>What a connection to one fake site's gateway hands out: its shard replicas, its site and election grains.
/// A key naming another site is refused as the real gateway does.</summary>
internal sealed class FakeSiteFactory(FakeCluster cluster, int site) : IGrainFactory
{
    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey
    {
        object grain = typeof(TGrainInterface) == typeof(ISiteGrain)
            ? new FakeSiteGrain(cluster, key == GrainKeys.Site(site) ? site : throw new ArgumentException($"{key} is not site {site}'s"))
            : new FakeShardGrain(cluster, Parse(key), site, typeof(TGrainInterface) == typeof(IElectionGrain));
        return (TGrainInterface)grain;
    }

    private int Parse(string key)
    {
        var (shard, keySite) = GrainKeys.ParseShardKey(key);
        return keySite == site ? shard : throw new ArgumentException($"{key} is not on site {site}");
    }
}
