namespace OrleansRep.Cli.Bench;

/// <summary>What <c>orep bench failover</c> runs.</summary>
internal sealed class FailoverBenchOptions
{
    /// <summary>Master failures to measure (<c>--trials</c>). Default 20 (3 with <c>--quick</c>).</summary>
    public int Trials { get; init; } = 20;

    /// <summary>How the master is taken down (<c>--kill 9|stop</c>). Default kill -9.</summary>
    public FailoverKill Kill { get; init; } = FailoverKill.Kill9;

    /// <summary>Concurrent writers putting unique keys to shard 0 under Quorum the whole time. Default 4: enough that a
    /// write is always in flight when the master dies, few enough not to load a 2-core machine.</summary>
    public int Writers { get; init; } = 4;

    /// <summary>Shards of the cluster it starts. Default 2: shard 0 is what is measured; fewer shards, less background work.</summary>
    public int Shards { get; init; } = 2;

    /// <summary>How long a trial may wait for a new master to acknowledge a write before it fails. Default 60 s.</summary>
    public TimeSpan FailoverDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the restarted site may take to be a client of shard 0 again. Default 90 s.</summary>
    public TimeSpan RecoveryDeadline { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long a client call waits for its answer before it is retried elsewhere. Default 2 s (the client's
    /// own default is 10 s): a write in flight to a stopped master would otherwise hide the failover for 10 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
