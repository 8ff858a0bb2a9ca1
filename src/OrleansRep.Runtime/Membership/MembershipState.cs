namespace OrleansRep.Runtime.Membership;

/// <summary>
/// One silo's membership bookkeeping, without I/O or clocks: the view, the probe ring, missed-probe counts and votes.
/// <see cref="MembershipAgent"/> drives it from the network and its timer; tests drive it directly. Not thread-safe.
/// </summary>
public sealed class MembershipState
{
    private readonly MembershipOptions _options;
    private readonly Dictionary<SiloAddress, int> _missedProbes = [];

    /// <summary>Starts with a view holding only this silo, <see cref="SiloStatus.Joining"/>, at version 0.</summary>
    public MembershipState(SiloAddress self, MembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Self = self;
        _options = options;
        View = new MembershipView(0, [new MembershipEntry(self, SiloStatus.Joining)]);
    }

    /// <summary>This silo incarnation.</summary>
    public SiloAddress Self { get; }

    /// <summary>The current view.</summary>
    public MembershipView View { get; private set; }

    /// <summary>This silo's status in its own view (Dead once anyone declared it dead: it must restart with a new generation).</summary>
    public SiloStatus SelfStatus => View.StatusOf(Self) ?? SiloStatus.Joining;

    /// <summary>Bootstraps a new cluster: marks this silo active in its own view. Returns true if the view changed.</summary>
    public bool BecomeActive()
    {
        ThrowIfDead();
        return Replace(View.With(new MembershipEntry(Self, SiloStatus.Active)));
    }

    /// <summary>
    /// Admits <paramref name="joiner"/> as active (a seed does this on a join request). Throws
    /// <see cref="SiloDeclaredDeadException"/> if that incarnation is dead or superseded here, and changes nothing.
    /// Returns true if the view changed.
    /// </summary>
    public bool Admit(SiloAddress joiner)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        ThrowIfDead();
        if (View.IsDead(joiner))
        {
            throw new SiloDeclaredDeadException(joiner);
        }

        if (View.Entries.Length >= _options.MaxSilos && View.FindEndpoint(joiner) is null)
        {
            throw new InvalidOperationException($"the cluster is full ({_options.MaxSilos} silos); {joiner} cannot join");
        }

        return Replace(View.With(new MembershipEntry(joiner, SiloStatus.Active)));
    }

    /// <summary>
    /// Merges a view received from a peer (see <see cref="MembershipView"/> for the rules). Throws
    /// <see cref="InvalidOperationException"/>, changing nothing, if the merge would exceed <see cref="MembershipOptions.MaxSilos"/>.
    /// Returns true if the local view changed.
    /// </summary>
    public bool Merge(MembershipView incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        MembershipView merged = MembershipView.Merge(View, incoming);
        if (merged.Entries.Length > _options.MaxSilos)
        {
            throw new InvalidOperationException($"the merged view would hold {merged.Entries.Length} silos, more than {_options.MaxSilos}");
        }

        return Replace(merged);
    }

    /// <summary>Records this incarnation as dead (told so by a peer, or leaving): final, the view says so from now on.</summary>
    public void DeclareSelfDead() => Merge(new MembershipView(0, [new MembershipEntry(Self, SiloStatus.Dead)]));

    /// <summary>
    /// The peers this silo probes: its <see cref="MembershipOptions.NumProbedSilos"/> successors on the ring of active
    /// silos (sorted by address). Spreading probes over the ring means every silo is watched by several others.
    /// </summary>
    public IReadOnlyList<SiloAddress> ProbeTargets()
    {
        if (SelfStatus != SiloStatus.Active)
        {
            return [];
        }

        List<SiloAddress> ring = [.. View.ActiveSilos];
        int me = ring.IndexOf(Self);
        int count = Math.Min(_options.NumProbedSilos, ring.Count - 1);
        var targets = new List<SiloAddress>(count);
        for (int i = 1; i <= count; i++)
        {
            targets.Add(ring[(me + i) % ring.Count]);
        }

        return targets;
    }

    /// <summary>
    /// Records one probe of <paramref name="target"/>: an answer clears its missed count; the
    /// <see cref="MembershipOptions.MissedProbesLimit"/>-th miss in a row (and every one after) casts or refreshes this
    /// silo's vote and declares the target dead once the fresh votes of live silos reach <see cref="VotesRequired"/>.
    /// </summary>
    public ProbeOutcome ApplyProbeResult(SiloAddress target, bool answered, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (answered || SelfStatus != SiloStatus.Active || View.StatusOf(target) != SiloStatus.Active || target == Self)
        {
            _missedProbes.Remove(target);
            return ProbeOutcome.None;
        }

        int missed = _missedProbes.GetValueOrDefault(target) + 1;
        _missedProbes[target] = missed;
        if (missed < _options.MissedProbesLimit)
        {
            return ProbeOutcome.None;
        }

        MembershipEntry entry = View.FindEndpoint(target)!;
        List<SuspicionVote> fresh = [.. entry.Votes.Where(v => v.Suspecter != Self && CountsAt(v, now))];
        fresh.Add(new SuspicionVote(Self, now));
        bool dead = fresh.Count >= VotesRequired();
        SuspicionVote? mine = entry.Votes.Where(v => v.Suspecter == Self).Cast<SuspicionVote?>().FirstOrDefault();
        if (!dead && mine is { } previous && now - previous.CastAt < _options.DeathVoteExpiration / 2)
        {
            // The vote stands and is still fresh: refreshing it on every probe would churn the view 10 times a second.
            return ProbeOutcome.Suspected;
        }

        var updated = new MembershipEntry(target, dead ? SiloStatus.Dead : SiloStatus.Active, entry.Votes.Where(v => v.Suspecter != Self).Append(new SuspicionVote(Self, now)));
        Replace(new MembershipView(View.Version + 1, View.Entries.Select(e => e.Silo == target ? updated : e)));
        return dead ? ProbeOutcome.DeclaredDead : ProbeOutcome.Suspected;
    }

    /// <summary>
    /// Votes needed to declare a silo dead: <see cref="MembershipOptions.NumVotesForDeathDeclaration"/>, capped (as in
    /// Orleans) at half the active silos rounded up, so a two-silo cluster can still declare its other member dead.
    /// </summary>
    public int VotesRequired() =>
        Math.Max(1, Math.Min(_options.NumVotesForDeathDeclaration, (View.ActiveSilos.Count + 1) / 2));

    /// <summary>Missed probes in a row of <paramref name="target"/> (0 after an answer).</summary>
    public int MissedProbes(SiloAddress target) => _missedProbes.GetValueOrDefault(target);

    private bool CountsAt(SuspicionVote vote, DateTimeOffset now) =>
        now - vote.CastAt < _options.DeathVoteExpiration && View.StatusOf(vote.Suspecter) == SiloStatus.Active;

    private bool Replace(MembershipView next)
    {
        if (ReferenceEquals(next, View))
        {
            return false;
        }

        View = next;
        // Forget counts of silos no longer watched, so the dictionary stays bounded by the ring.
        IReadOnlyList<SiloAddress> watched = ProbeTargets();
        foreach (SiloAddress stale in _missedProbes.Keys.Where(s => !watched.Contains(s)).ToList())
        {
            _missedProbes.Remove(stale);
        }

        return true;
    }

    private void ThrowIfDead()
    {
        if (SelfStatus == SiloStatus.Dead)
        {
            throw new SiloDeclaredDeadException(Self);
        }
    }
}
