namespace OrleansRep.Cli.Bench;

/// <summary>How <c>orep bench failover</c> takes the master down (<c>--kill</c>).</summary>
internal enum FailoverKill
{
    /// <summary>kill -9: the process is gone, its connections reset at once. The site is restarted afterwards.</summary>
    Kill9,

    /// <summary>kill -STOP: the process hangs with its connections open, so only missed probes reveal it. Afterwards
    /// it gets SIGCONT, finds itself declared dead and exits (code 3), and is restarted.</summary>
    Stop,
}
