using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication.Actions;

/// <summary>
/// What the state machine asks its host to do. The host carries out the actions of one step in order, before the
/// next step; so "persist, then send" is just the order of the list (persist-before-send is explicit).
/// </summary>
public abstract record RepAction;

/// <summary>Send a message.</summary>
public sealed record Send(Destination To, RepMessage Message, SendOptions Flags = SendOptions.None) : RepAction
{
    public override string ToString() => $"send {Message} to {To}{(Flags == SendOptions.None ? "" : " " + Flags)}";
}

/// <summary>Append records received from the master at their LSNs (the engine applies each transaction when its
/// commit arrives). Durability is reported later with <see cref="Inputs.LogDurable"/>.</summary>
public sealed record AppendRecords(IReadOnlyList<LogRecordView> Records) : RepAction;

/// <summary>Move the local log to file <see cref="File"/> (a NEWFILE from the master).</summary>
public sealed record StartLogFile(uint File) : RepAction;

/// <summary>Make the local log durable now (then report <see cref="Inputs.LogDurable"/>).</summary>
public sealed record FlushLog : RepAction;

/// <summary>
/// Cut the local log back to <see cref="To"/> (a diverged tail after a new master, or a rolled-back tail): the
/// engine rolls back the transactions whose commits are cut. <see cref="CommitsLost"/> lists their commit LSNs, for
/// the report.
/// </summary>
public sealed record TruncateLog(Lsn To, IReadOnlyList<Lsn> CommitsLost) : RepAction;

/// <summary>Keep an out-of-order record in the bookkeeping database until the gap before it is filled.</summary>
public sealed record ParkRecord(LogRecordView Record) : RepAction;

/// <summary>Remove a parked record (it was applied, or is no longer wanted).</summary>
public sealed record UnparkRecord(Lsn Lsn) : RepAction;

/// <summary>Drop every parked record (master change, after verify).</summary>
public sealed record ClearParked : RepAction;

/// <summary>Write the replication state durably (role, gen, egen, master, membership). Actions after it in the same
/// step rely on it being durable.</summary>
public sealed record PersistState(RepPersistentState State) : RepAction;

/// <summary>Run a checkpoint; report <see cref="Inputs.Completed"/> with <see cref="ActionId"/>.</summary>
public sealed record Checkpoint(long ActionId) : RepAction;

/// <summary>Master, internal init: prepare a consistent snapshot of the data for a client; report
/// <see cref="Inputs.Completed"/>. The snapshot's chunks are then read with <see cref="ISnapshotSource"/>.</summary>
public sealed record PrepareSnapshot(long ActionId, long SnapshotId) : RepAction;

/// <summary>Master, internal init: a snapshot prepared by <see cref="PrepareSnapshot"/> is no longer needed (its
/// client finished or gave up, was replaced by a newer one, or this site stopped being master); the host may delete
/// it. Afterwards <see cref="ISnapshotSource.ChunkCount"/> may report -1 for it.</summary>
public sealed record ReleaseSnapshot(long SnapshotId) : RepAction;

/// <summary>Client, internal init: the marker that makes a crash mid-init start over clean is written, and the
/// local databases and log are emptied (Berkeley DB's __db.rep.init).</summary>
public sealed record BeginInternalInit(long SnapshotId, Lsn FirstLsn) : RepAction;

/// <summary>Client, internal init: store one chunk; report <see cref="Inputs.Completed"/>.</summary>
public sealed record StoreSnapshotChunk(long ActionId, long SnapshotId, int Index, ReadOnlyMemory<byte> Data) : RepAction;

/// <summary>Client, internal init: every chunk and the log up to the master's end are in; remove the marker.</summary>
public sealed record FinishInternalInit(long SnapshotId) : RepAction;

/// <summary>Answer a proposal (<see cref="Inputs.LocalCommit"/>).</summary>
public sealed record ReplyProposal(long ProposalId, ProposalOutcome Outcome) : RepAction;

/// <summary>Tell the application something happened.</summary>
public sealed record EmitEvent(RepEvent Event) : RepAction
{
    public override string ToString() => $"event {Event}";
}
