namespace OrleansRep.Cli;

/// <summary>
/// A request the command line itself can tell is wrong before (or without) the engine seeing it: a home that does not
/// exist, a malformed LSN, a dump that does not fit the target. Reported in one line with <see cref="ExitCodes.BadInput"/>.
/// </summary>
internal sealed class UsageException(string message) : Exception(message);
