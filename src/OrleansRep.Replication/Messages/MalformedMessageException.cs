namespace OrleansRep.Replication.Messages;

/// <summary>A message that does not have what its type requires. The machine drops it (counted) and changes
/// nothing: input from the network never crashes a site.</summary>
public sealed class MalformedMessageException(string message) : Exception(message);
