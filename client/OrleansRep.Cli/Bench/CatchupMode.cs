namespace OrleansRep.Cli.Bench;

/// <summary>How the stopped site of <c>orep bench catchup</c> comes back (<c>--mode</c>).</summary>
internal enum CatchupMode
{
    /// <summary>From the master's log (gap requests, ALL_REQ, LOG_MORE): the master keeps every log file.</summary>
    Log,

    /// <summary>By internal init (a snapshot of the master's data): the master archives the log the site needs first.</summary>
    Init,
}
