using OrleansRep.Grains.Engine;
using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Storage;
using OrleansRep.Storage.IO;

namespace OrleansRep.Grains.Tests.Engine;

/// <summary>
/// A host for one replication site on an <see cref="EngineReplicaStore"/>, as <c>LogShardGrain</c> will be: every
/// step's storage actions are carried out before the next step, a flush (asked for, or after PERM records were
/// appended) is fed back as <see cref="LogDurable"/>, and a
/// master's transactions go to the engine and then to the machine as <see cref="LocalCommit"/> (with
/// <see cref="LocalNewFile"/> first when the log moved to a new file). Each site has its own
/// <see cref="MemoryFileSystem"/>, so a power loss takes one site down.
/// </summary>
internal sealed class EngineSite : IDisposable
{
    private const string Home = "/data/shard-0";

    private readonly ReplicationOptions _options;

    public EngineSite(int id, ReplicationOptions options, RepPersistentState provisioned)
    {
        Id = new SiteId(id);
        _options = options;
        Store = EngineReplicaStore.Open(Home, MasterLogSource.Options, fileSystem: Fs);
        Store.Carry([new PersistState(provisioned)]);

        // The genesis transaction every site of a new group writes alike (the same bytes at the same LSN): a client's
        // log then holds a commit to verify from, as LogShardGrain does. (Without one, an empty client is brought in
        // by internal init.)
        Store.Environment.OpenDatabase("data", create: true);
        Store.Environment.Flush();
        Node = NewNode();
    }

    public SiteId Id { get; }

    public MemoryFileSystem Fs { get; } = new();

    public EngineReplicaStore Store { get; private set; }

    public ReplicationNode Node { get; private set; }

    /// <summary>Every action of every step so far (the pump delivers the sends from it).</summary>
    public List<RepAction> Log { get; } = [];

    public void Step(RepInput input)
    {
        var actions = Node.Step(input);
        Log.AddRange(actions);
        var outcome = Store.Carry(actions);
        foreach (var completed in outcome.Completions)
        {
            Step(completed);
        }

        foreach (var pending in outcome.Pending)
        {
            // The grain feeds these back on a later turn; here the step waits for them (a snapshot being planned).
            Step(pending.GetAwaiter().GetResult());
        }

        // Group commit: a PERM record appended is made durable (at once here; the grain batches), then acknowledged.
        var flushed = outcome.Flushed ?? (actions.Any(a => a is AppendRecords append && append.Records.Any(r => r.IsPerm)) ? Store.Carry([new FlushLog()]).Flushed : null);
        if (flushed is { } durable)
        {
            Step(new LogDurable(durable));
        }
    }

    /// <summary>On the master: one transaction on the engine, then the machine learns its records; the log is then made
    /// durable (the engine's group commit finishing).</summary>
    public void Commit(long proposal, Action<WriteTransaction, Database> change)
    {
        var end = Store.LogEnd;
        var db = Store.Environment.OpenDatabase("data", create: true);
        using (var txn = Store.Environment.BeginWrite())
        {
            change(txn, db);
            txn.Commit(Durability.NoSync);
        }

        var records = Store.ReadRange(end, Store.LogEnd);
        if (records[0].Lsn.File > end.File)
        {
            Step(new LocalNewFile(end));
        }

        Step(new LocalCommit(proposal, records));
        Store.Environment.Flush();
        Step(new LogDurable(Store.Durable));
    }

    /// <summary>Power loss and restart: a new node from what the store kept (not started: give it a command).</summary>
    public void Restart(int seed)
    {
        Fs.Crash(CrashMode.LoseUnsynced, seed);
        Store = EngineReplicaStore.Open(Home, MasterLogSource.Options, fileSystem: Fs);
        Node = NewNode();
    }

    private ReplicationNode NewNode() => new(Id, _options, Store, Store.Snapshots, Store.State);

    public void Dispose() => Store.Dispose();
}
