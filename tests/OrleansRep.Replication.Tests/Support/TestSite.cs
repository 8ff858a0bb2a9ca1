using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication.Tests.Support;

/// <summary>
/// One site for unit tests: a <see cref="ReplicationNode"/> on a <see cref="MemoryReplicaStore"/>. Each step's
/// storage actions are carried out at once (as a host must before the next step); the step's other actions are
/// returned and kept in <see cref="Log"/> for assertions.
/// </summary>
internal sealed class TestSite
{
    public TestSite(int id, ReplicationOptions? options = null, RepPersistentState? state = null, MemoryReplicaStore? store = null, ISnapshotSource? snapshots = null)
    {
        Store = store ?? new MemoryReplicaStore();
        Node = new ReplicationNode(new SiteId(id), options ?? new ReplicationOptions(), Store, snapshots ?? NoSnapshots.Instance, state ?? new RepPersistentState());
    }

    public ReplicationNode Node { get; }

    public MemoryReplicaStore Store { get; }

    public SiteId Id => Node.Self;

    /// <summary>Every action of every step so far.</summary>
    public List<RepAction> Log { get; } = [];

    public long Now { get; private set; }

    public IReadOnlyList<RepAction> Step(RepInput input)
    {
        var actions = Node.Step(input);
        Log.AddRange(actions);
        var flushed = Store.Carry(actions);
        if (flushed is { } durable)
        {
            Log.AddRange(Node.Step(new LogDurable(durable)));
        }

        return actions;
    }

    /// <summary>Runs a part's method as one step (see <see cref="ReplicationNode.RunAsStep"/>), carrying out its storage
    /// actions as <see cref="Step"/> does.</summary>
    public IReadOnlyList<RepAction> Run(Action<ReplicationNode> call)
    {
        var actions = Node.RunAsStep(call);
        Log.AddRange(actions);
        var flushed = Store.Carry(actions);
        if (flushed is { } durable)
        {
            Log.AddRange(Node.Step(new LogDurable(durable)));
        }

        return actions;
    }

    public IReadOnlyList<RepAction> Receive(RepMessage message, SendOptions flags = SendOptions.None) => Step(new MessageReceived(message, flags));

    public IReadOnlyList<RepAction> Advance(TimeSpan by)
    {
        Now += by.Ticks / TimeSpan.TicksPerMicrosecond;
        return Step(new Tick(Now));
    }

    public IReadOnlyList<RepAction> Command(RepCommand command) => Step(new Command(command));

    /// <summary>The messages sent in <paramref name="actions"/>.</summary>
    public static IReadOnlyList<Send> Sends(IEnumerable<RepAction> actions) => actions.OfType<Send>().ToList();

    public static IReadOnlyList<RepEvent> Events(IEnumerable<RepAction> actions) => actions.OfType<EmitEvent>().Select(e => e.Event).ToList();

    /// <summary>A record of <paramref name="kind"/> at <paramref name="lsn"/> with <paramref name="length"/> bytes,
    /// its content derived from the LSN (so two sites' records at one LSN compare equal unless made different).</summary>
    public static LogRecordView Record(Lsn lsn, RecordKind kind = RecordKind.Data, int length = 48, byte salt = 0)
    {
        var frame = new byte[length];
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = (byte)(lsn.File + lsn.Offset + i + salt);
        }

        return new LogRecordView(lsn, kind, frame);
    }

    private sealed class NoSnapshots : ISnapshotSource
    {
        public static readonly NoSnapshots Instance = new();

        public int ChunkCount(long snapshotId) => -1;

        public ReadOnlyMemory<byte> ReadChunk(long snapshotId, int index) => throw new InvalidOperationException("no snapshots");
    }
}
