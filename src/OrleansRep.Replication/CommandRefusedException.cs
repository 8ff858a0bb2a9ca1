namespace OrleansRep.Replication;

/// <summary>A command that this site cannot carry out in its current state (promoting during internal init, a
/// membership change with no master to forward it to, ...). Raised out of <see cref="ReplicationNode.Step"/> for
/// the command only; nothing changed.</summary>
public sealed class CommandRefusedException(string message) : InvalidOperationException(message);
