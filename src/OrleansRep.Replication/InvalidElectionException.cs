namespace OrleansRep.Replication;

/// <summary>An election was called with parameters that cannot elect anyone (nvotes above nsites, negative counts).
/// Raised out of <see cref="ReplicationNode.Step"/> for the command only; nothing changed.</summary>
public sealed class InvalidElectionException(string message) : ArgumentException(message);
