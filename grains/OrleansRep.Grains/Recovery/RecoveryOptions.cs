namespace OrleansRep.Grains.Recovery;

/// <summary>
/// The recovery master's tunables (CTDB's, see the reference section 8 and <c>ctdb_tunables.c</c>); silo option
/// <c>Recovery</c> (<c>--Recovery:RecoverInterval=00:00:01</c>). Every default is CTDB's where CTDB has one.
/// </summary>
public sealed class RecoveryOptions
{
    /// <summary>How often every site's recovery daemon polls every site's view and, on the recovery master, runs the
    /// main loop. Default 1 s (CTDB's RecoverInterval).</summary>
    public TimeSpan RecoverInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one poll of a site waits for its answer. Default 1 s.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a site misbehaving past the ban threshold (2 × sites credits) is banned. Default 300 s
    /// (RecoveryBanPeriod).</summary>
    public TimeSpan RecoveryBanPeriod { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Good behaviour after which a site's ban credits are forgiven. Default 120 s (RecoveryGracePeriod).</summary>
    public TimeSpan RecoveryGracePeriod { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>A disagreement among active sites (masters, generations, membership, recovery master, map
    /// generation) lasting this long triggers a recovery: shorter ones are an election under way. Default 3 s.</summary>
    public TimeSpan DisagreementTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>A shard no active site knows a master of for this long is stuck: a recovery calls an election for it.
    /// Default 5 s.</summary>
    public TimeSpan StuckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>No new recovery this soon after one (CTDB's RerecoveryTimeout, 10 s). Default 10 s.</summary>
    public TimeSpan RerecoveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At least this long between two takeover handovers (one runs at a time). Default 5 s.</summary>
    public TimeSpan TakeoverInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a takeover handover (or a banned master's) waits for the target to have every write. Default 30 s.</summary>
    public TimeSpan HandoverWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Polls in a row a site the membership holds alive may leave unanswered before each further one costs it
    /// a ban credit. Default 3.</summary>
    public int MissedPollsBeforeCredit { get; set; } = 3;

    /// <summary>Masterships a site may lose (not by the recovery master's handover) within <see cref="FlapWindow"/>
    /// before it is flapping, which costs it as many credits as there are sites. Default 3.</summary>
    public int FlapLimit { get; set; } = 3;

    /// <summary>The window of <see cref="FlapLimit"/>. Default 60 s.</summary>
    public TimeSpan FlapWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether the recovery master rebalances masterships (takeover runs). Default true.</summary>
    public bool Takeover { get; set; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that is wrong.</summary>
    public void Validate()
    {
        Require(RecoverInterval > TimeSpan.Zero, nameof(RecoverInterval));
        Require(PollTimeout > TimeSpan.Zero, nameof(PollTimeout));
        Require(RecoveryBanPeriod > TimeSpan.Zero, nameof(RecoveryBanPeriod));
        Require(RecoveryGracePeriod > TimeSpan.Zero, nameof(RecoveryGracePeriod));
        Require(DisagreementTimeout >= TimeSpan.Zero, nameof(DisagreementTimeout));
        Require(StuckTimeout >= TimeSpan.Zero, nameof(StuckTimeout));
        Require(RerecoveryTimeout >= TimeSpan.Zero, nameof(RerecoveryTimeout));
        Require(TakeoverInterval >= TimeSpan.Zero, nameof(TakeoverInterval));
        Require(HandoverWait > TimeSpan.Zero, nameof(HandoverWait));
        Require(MissedPollsBeforeCredit > 0, nameof(MissedPollsBeforeCredit));
        Require(FlapLimit > 0, nameof(FlapLimit));
        Require(FlapWindow > TimeSpan.Zero, nameof(FlapWindow));
    }

    private static void Require(bool valid, string name)
    {
        if (!valid)
        {
            throw new ArgumentException($"Recovery:{name} is out of range (intervals and periods positive, timeouts not negative, counts positive)");
        }
    }
}
