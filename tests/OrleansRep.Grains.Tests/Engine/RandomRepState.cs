using System.Collections.Immutable;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Tests.Engine;

/// <summary>Seeded random persistent states, every field set.</summary>
internal static class RandomRepState
{
    public static RepPersistentState Next(Random random)
    {
        var sites = ImmutableSortedDictionary.CreateBuilder<SiteId, SiteInfo>();
        for (var i = random.Next(4); i > 0; i--)
        {
            var id = new SiteId(random.Next(1, 50));
            sites[id] = new SiteInfo(id, $"127.0.0.{random.Next(256)}:{random.Next(1, 65536)} é", random.Next(3));
        }

        return new RepPersistentState
        {
            Role = (RepRole)random.Next(3),
            Gen = (uint)random.Next(),
            Egen = (uint)random.Next(),
            Master = new SiteId(random.Next(5)),
            GroupEstablished = random.Next(2) == 0,
            Sites = sites.ToImmutable(),
            MembershipVersion = random.NextInt64(),
            InitSnapshotId = random.NextInt64(),
            History = Enumerable.Range(0, random.Next(4)).Select(g => new GenerationStart((uint)g, new SiteId(random.Next(5)), new Lsn((uint)random.Next(1, 9), (uint)random.Next()))).ToImmutableList(),
            SyncedGen = (uint)random.Next(),
            VotedEgen = (uint)random.Next(),
        };
    }
}
