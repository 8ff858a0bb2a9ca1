using OrleansRep.Replication.Inputs;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Engine;

/// <summary>What carrying out one step's storage actions produced, for the host to feed back or report.</summary>
/// <param name="Flushed">The LSN the log is durable to, when a <c>FlushLog</c> asked (feed back as
/// <see cref="LogDurable"/>); else null.</param>
/// <param name="RolledBack">The transactions a <c>TruncateLog</c> undid, for the rollback event.</param>
/// <param name="Completions">Actions that ask for a completion and finished (a checkpoint): feed each back.</param>
/// <param name="Pending">Completions of actions still running off the caller's thread (a snapshot being planned): feed
/// each back on the caller's turn when it finishes (they never fault).</param>
public sealed record CarryOutcome(Lsn? Flushed, IReadOnlyList<RolledBackTransaction> RolledBack, IReadOnlyList<Completed> Completions, IReadOnlyList<Task<Completed>> Pending);
