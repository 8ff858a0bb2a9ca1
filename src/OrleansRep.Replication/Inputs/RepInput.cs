using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication.Inputs;

/// <summary>
/// Everything that can happen to a site's replication state machine. The host turns network messages, timer ticks,
/// local completions and commands into inputs and feeds them to <see cref="ReplicationNode.Step"/>, one at a time.
/// </summary>
public abstract record RepInput;

/// <summary>A message arrived from another site, with the transport flags it was sent with.</summary>
public sealed record MessageReceived(RepMessage Message, SendOptions Flags = SendOptions.None) : RepInput;

/// <summary>Time passed: <see cref="Now"/> is the current time in microseconds on this site's clock (monotonic; the
/// only clock the machine knows).</summary>
public sealed record Tick(long Now) : RepInput;

/// <summary>The local log is durable up to (not including) <see cref="Lsn"/>: PERM records before it can be
/// acknowledged, and a master's commits before it count its own durability.</summary>
public sealed record LogDurable(Lsn Lsn) : RepInput;

/// <summary>
/// On the master: a local transaction was appended to the log as <see cref="Records"/> (the engine assigned the
/// LSNs; the last record is the commit). The machine ships them and, for <see cref="ProposalId"/> other than 0,
/// replies once the ack policy is met or the ack timeout passes. Not master: the reply says who is.
/// <see cref="Policy"/> is this proposal's ack policy (a client's per-request durability); null: the site's.
/// </summary>
public sealed record LocalCommit(long ProposalId, IReadOnlyList<LogRecordView> Records, AckPolicy? Policy = null) : RepInput;

/// <summary>On the master: the local log moved to a new file; <see cref="EndOfPrevious"/> is where the old file
/// ended (shipped as NEWFILE).</summary>
public sealed record LocalNewFile(Lsn EndOfPrevious) : RepInput;

/// <summary>The host finished an action that takes time (a checkpoint, storing a snapshot chunk, preparing a
/// snapshot for internal init): see <see cref="Actions.RepAction"/> types that ask for a completion.</summary>
public sealed record Completed(long ActionId, bool Succeeded) : RepInput;

/// <summary>An operator or application command.</summary>
public sealed record Command(RepCommand What) : RepInput;
