using System.Collections.Immutable;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication.Tests.Support;

/// <summary>Builders for the log-path tests: group states, messages, and local commits on a master.</summary>
internal static class Groups
{
    public static readonly SiteId S1 = new(1);
    public static readonly SiteId S2 = new(2);
    public static readonly SiteId S3 = new(3);
    public static readonly SiteId S4 = new(4);
    public static readonly SiteId S5 = new(5);

    public const uint Gen = 4;

    /// <summary>Sites 1..<paramref name="priorities"/>.Length with those priorities.</summary>
    public static ImmutableSortedDictionary<SiteId, SiteInfo> Sites(params int[] priorities)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<SiteId, SiteInfo>();
        for (var i = 0; i < priorities.Length; i++)
        {
            var id = new SiteId(i + 1);
            b.Add(id, new SiteInfo(id, $"host{i + 1}:7000", priorities[i]));
        }

        return b.ToImmutable();
    }

    /// <summary>Site 1 is master of gen <see cref="Gen"/> in a group of sites with <paramref name="priorities"/>.</summary>
    public static TestSite Master(ReplicationOptions? options = null, MemoryReplicaStore? store = null, params int[] priorities) =>
        new(1, options, new RepPersistentState
        {
            Role = RepRole.Master,
            Gen = Gen,
            Master = S1,
            GroupEstablished = true,
            Sites = Sites(priorities.Length == 0 ? [100, 100, 100] : priorities),
            History = [new GenerationStart(Gen, S1, LogPositions.StartOfFile(1))],
        }, store);

    /// <summary>Site <paramref name="id"/> is a client of master site 1 in gen <see cref="Gen"/>.</summary>
    public static TestSite Client(int id = 2, ReplicationOptions? options = null, MemoryReplicaStore? store = null, params int[] priorities) =>
        new(id, options, new RepPersistentState
        {
            Role = RepRole.Client,
            Gen = Gen,
            Master = S1,
            GroupEstablished = true,
            Sites = Sites(priorities.Length == 0 ? [100, 100, 100] : priorities),
            History = [new GenerationStart(Gen, S1, LogPositions.StartOfFile(1))],
        }, store);

    /// <summary>Records of <paramref name="length"/> bytes laid out one after another from <paramref name="start"/>.</summary>
    public static List<LogRecordView> Chain(Lsn start, int count, int length = 48, params int[] permAt)
    {
        var list = new List<LogRecordView>();
        var at = start;
        for (var i = 0; i < count; i++)
        {
            var r = TestSite.Record(at, permAt.Contains(i) ? RecordKind.Commit : RecordKind.Data, length);
            list.Add(r);
            at = LogPositions.After(r);
        }

        return list;
    }

    public static RepMessage Log(LogRecordView r, RepControl control = RepControl.None, SiteId? from = null) =>
        new(RepMessageType.Log, from ?? S1, Gen, r.Lsn, control | (r.IsPerm ? RepControl.Perm : RepControl.None), new RecordPayload(r));

    public static RepMessage Msg(RepMessageType type, Lsn lsn, SiteId? from = null, RepPayload? payload = null, RepControl control = RepControl.None) =>
        new(type, from ?? S1, Gen, lsn, control, payload);

    /// <summary>Appends a transaction of <paramref name="dataRecords"/> data records and a commit to the master's log
    /// and tells the machine; returns the step's actions and the commit record.</summary>
    public static (IReadOnlyList<RepAction> Actions, LogRecordView Commit) Commit(TestSite master, long proposalId, int dataRecords = 1, int length = 48)
    {
        var records = new List<LogRecordView>();
        for (var i = 0; i < dataRecords; i++)
        {
            records.Add(master.Store.AppendLocal(RecordKind.Data, new byte[length]));
        }

        var commit = master.Store.AppendLocal(RecordKind.Commit, new byte[length]);
        records.Add(commit);
        return (master.Step(new LocalCommit(proposalId, records)), commit);
    }

    /// <summary>The master's log became durable to its end (the engine's group commit).</summary>
    public static IReadOnlyList<RepAction> Durable(TestSite site) => site.Step(new LogDurable(site.Store.MakeDurable()));

    public static IReadOnlyList<ReplyProposal> Replies(IEnumerable<RepAction> actions) => actions.OfType<ReplyProposal>().ToList();

    /// <summary>Asserts the actions are the expected ones, comparing <see cref="AppendRecords"/> by their records
    /// (records compare lists by reference).</summary>
    public static void AssertActions(IEnumerable<RepAction> expected, IEnumerable<RepAction> actual)
    {
        var e = expected.ToList();
        var a = actual.ToList();
        Assert.True(e.Count == a.Count, $"expected {e.Count} actions [{string.Join(", ", e)}], got {a.Count} [{string.Join(", ", a)}]");
        for (var i = 0; i < e.Count; i++)
        {
            if (e[i] is AppendRecords ea && a[i] is AppendRecords aa)
            {
                Assert.Equal(ea.Records, aa.Records);
            }
            else
            {
                Assert.Equal(e[i], a[i]);
            }
        }
    }

    public static RepMessage Ack(SiteId from, Lsn lsn) => new(RepMessageType.Ack, from, Gen, lsn);
}
