using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using System.Collections.Immutable;
using OrleansRep.Storage;

namespace OrleansRep.Replication.Tests.Support;

/// <summary>Builders for the messages and states the election, role and membership tests feed a site.</summary>
internal static class TestMessages
{
    public static VotePayload Vote(uint egen, int nsites = 3, int nvotes = 2, int priority = 100, bool? electable = null, uint dataGen = 0, Lsn lastCommit = default, uint tiebreaker = 0, bool full = false) =>
        new(egen, nsites, nvotes, priority, electable ?? priority > 0, dataGen, lastCommit, tiebreaker, full);

    public static RepMessage Vote1(int from, VotePayload vote, uint gen = 0, RepControl control = RepControl.None) =>
        new(RepMessageType.Vote1, new SiteId(from), gen, vote.LastCommit, control, vote);

    public static RepMessage Vote2(int from, uint egen, uint gen = 0) =>
        new(RepMessageType.Vote2, new SiteId(from), gen, Lsn.Zero, RepControl.None, Vote(egen));

    public static RepMessage Of(RepMessageType type, int from, uint gen, RepPayload? payload = null, Lsn lsn = default, RepControl control = RepControl.None) =>
        new(type, new SiteId(from), gen, lsn, control, payload);

    /// <summary>A state for site <paramref name="self"/> in a group of sites 1..<paramref name="groupSize"/>.</summary>
    public static RepPersistentState InGroup(int groupSize, RepPersistentState? state = null, int priority = 100) =>
        (state ?? new RepPersistentState()) with
        {
            Sites = Enumerable.Range(1, groupSize).ToDictionary(i => new SiteId(i), i => new SiteInfo(new SiteId(i), $"site{i}:0", priority))
                .ToImmutableSortedDictionary(),
            MembershipVersion = 1,
        };

    /// <summary>A client site <paramref name="id"/> of a group of <paramref name="groupSize"/>, started.</summary>
    public static TestSite StartedClient(int id, int groupSize, ReplicationOptions? options = null, RepPersistentState? state = null)
    {
        var site = new TestSite(id, options, InGroup(groupSize, state));
        site.Command(new StartReplication(RepStartRole.Client));
        return site;
    }

    /// <summary>A master site <paramref name="id"/> of a group of <paramref name="groupSize"/>, started.</summary>
    public static TestSite StartedMaster(int id, int groupSize, ReplicationOptions? options = null, RepPersistentState? state = null)
    {
        var site = new TestSite(id, options, InGroup(groupSize, state));
        site.Command(new StartReplication(RepStartRole.Master));
        return site;
    }

    public static IReadOnlyList<Send> SendsOf(this IEnumerable<RepAction> actions, RepMessageType type) =>
        actions.OfType<Send>().Where(s => s.Message.Type == type).ToList();

    public static IReadOnlyList<RepEventKind> EventKinds(this IEnumerable<RepAction> actions) =>
        actions.OfType<EmitEvent>().Select(e => e.Event.Kind).ToList();

    public static int IndexOf<T>(this IReadOnlyList<RepAction> actions, Func<T, bool> match)
        where T : RepAction
    {
        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i] is T t && match(t))
            {
                return i;
            }
        }

        return -1;
    }
}
