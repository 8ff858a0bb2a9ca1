using System.Globalization;
using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Grains.Recovery;

/// <summary>
/// The recovery daemon's decisions (CTDB's <c>main_loop</c>) as a pure state machine: each round the daemon polls
/// every site's view and calls <see cref="Step"/> with them and the time; the decisions come back for it to carry out
/// (and report through <see cref="TakeoverFinished"/> and <see cref="RecoveryPushFailed"/>). No I/O, no clock of its own.
/// <para>Every daemon elects the recovery master by <see cref="RecoveryMasterElection"/> over the views it got. Only
/// the recovery master goes on: ban credits (unanswered polls in a row while alive, flapping masterships, failed
/// recovery pushes and takeover handovers) and bans past 2 × sites credits; the agreement check (every active site
/// on the same masters, generations, membership versions, recovery master and map generation) and stuck shards (no
/// master), either lasting past its timeout → a recovery under a new map generation; then, with the group healthy, a
/// rate-limited takeover run that spreads masterships one handover at a time.</para>
/// </summary>
public sealed class RecoveryLoop
{
    private readonly RecoveryOptions _options;
    private readonly int _self;
    private readonly BanCredits _credits;
    private readonly Dictionary<int, int> _missedPolls = [];
    private readonly Dictionary<int, (DateTimeOffset StartedAt, HashSet<int> Shards)> _mastered = [];
    private readonly Dictionary<int, List<DateTimeOffset>> _losses = [];
    private readonly Dictionary<int, DateTimeOffset> _noMasterSince = [];
    private readonly Dictionary<int, DateTimeOffset> _bansPending = [];
    private readonly Dictionary<int, DateTimeOffset> _bannedUntil = [];
    private readonly ShardWriteRates _writeRates = new();
    private DateTimeOffset? _disagreeSince;
    private DateTimeOffset _lastRecovery = DateTimeOffset.MinValue;
    private DateTimeOffset _lastTakeover = DateTimeOffset.MinValue;
    private DateTimeOffset _lastMasterChange = DateTimeOffset.MinValue;
    private string _masters = "";
    private TakeoverHandover? _takeover;
    private (int Shard, int From)? _handedOver;

    public RecoveryLoop(int self, RecoveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(self);
        _self = self;
        _options = options;
        _credits = new BanCredits(options.RecoveryGracePeriod);
    }

    /// <summary>The recovery master this daemon believes (0: none yet).</summary>
    public int RecoveryMaster { get; private set; }

    /// <summary>The map generation this daemon, as recovery master, last pushed (or took over from the views).</summary>
    public long MapGeneration { get; private set; }

    /// <summary>The takeover handover being carried out (null: none).</summary>
    public TakeoverHandover? TakeoverInFlight => _takeover;

    /// <summary>The ban credits <paramref name="site"/> holds (on the recovery master).</summary>
    public int CreditsOf(int site) => _credits.Of(site);

    /// <summary>Every site's ban credits (on the recovery master; empty elsewhere).</summary>
    public IReadOnlyList<SiteBanCredits> Credits => RecoveryMaster == _self ? _credits.All() : [];

    /// <summary>One round: the polls of every site (this one included) at <paramref name="now"/>.</summary>
    public IReadOnlyList<RecoveryDecision> Step(DateTimeOffset now, IReadOnlyList<SitePoll> polls)
    {
        ArgumentNullException.ThrowIfNull(polls);
        var decisions = new List<RecoveryDecision>();
        var self = polls.FirstOrDefault(p => p.Site == _self)?.View;
        if (self is { Banned: true, BannedUntil: { } until } && now >= until)
        {
            decisions.Add(new SiteUnbanned(_self, $"the ban of site {_self} is over (since {until:O})"));
        }

        var answered = polls.Where(p => p.View is not null).Select(p => p.View!).ToList();
        _writeRates.Observe(now, answered);
        var winner = RecoveryMasterElection.Winner(answered);
        if (winner != RecoveryMaster)
        {
            var was = RecoveryMaster;
            RecoveryMaster = winner;
            decisions.Add(new RecoveryMasterElected(winner, winner == 0
                ? "no site may be recovery master (every answering site is banned or stopped)"
                : $"site {winner} is the longest running eligible site (started {answered.First(v => v.Site == winner).StartedAt:O}){(was == 0 ? "" : $"; was site {was}")}"));
            if (winner == _self)
            {
                TakeOver(answered, now);
            }
        }

        if (winner != _self)
        {
            return decisions;
        }

        var sites = polls.Count;
        CountMisbehaviour(now, polls, sites);
        _credits.Forgive(now);
        foreach (var view in answered)
        {
            if (view is { Banned: true, BannedUntil: { } bannedUntil })
            {
                _bannedUntil[view.Site] = bannedUntil;
            }
            else
            {
                _bannedUntil.Remove(view.Site);
            }
        }

        foreach (var site in _bansPending.Keys.ToList())
        {
            // Carried out (the view shows it), or never (the site did not get it): a new ban may be decided.
            if (answered.Any(v => v.Site == site && v.Banned) || now - _bansPending[site] >= _options.RecoveryBanPeriod)
            {
                _bansPending.Remove(site);
            }
        }

        foreach (var (site, credits, reason) in _credits.Culprits(2 * sites))
        {
            _credits.Clear(site);
            // Banned as its last answer showed (a banned site that hangs again is not banned again), or a ban decided
            // that the site has not carried out yet (it may still hang): no second ban.
            if ((_bannedUntil.TryGetValue(site, out var bannedTill) && now < bannedTill) || _bansPending.ContainsKey(site))
            {
                continue;
            }

            _bansPending[site] = now;
            decisions.Add(new SiteBanned(site, _options.RecoveryBanPeriod, string.Create(CultureInfo.InvariantCulture, $"site {site} has {credits} ban credits (threshold {2 * sites}); last: {reason}")));
        }

        var active = answered.Where(RecoveryMasterElection.CanWin).ToList();
        // Masterships that moved lately (an election, an operator's promotion or handover) are left alone for a
        // takeover interval: the takeover run acts on a settled group, not against a change under way.
        var masters = string.Join(",", active.FirstOrDefault()?.Shards.Select(s => s.Master) ?? []);
        if (masters != _masters)
        {
            _masters = masters;
            _lastMasterChange = now;
        }

        var problems = Disagreements(active);
        _disagreeSince = problems.Count == 0 ? null : _disagreeSince ?? now;
        var stuck = StuckShards(now, active);
        var recovering = false;
        if (now - _lastRecovery >= _options.RerecoveryTimeout && active.Count > 0)
        {
            var stale = active.Where(v => v.MapGeneration != MapGeneration || v.RecoveryMaster != _self).Select(v => v.Site).ToList();
            var reasons = new List<string>();
            if (_disagreeSince is { } since && now - since >= _options.DisagreementTimeout)
            {
                reasons.Add($"disagreement for {(now - since).TotalSeconds:0.#} s: {string.Join("; ", problems)}");
            }

            if (stuck.Count > 0)
            {
                reasons.Add($"no master for over {_options.StuckTimeout.TotalSeconds:0.#} s: shard {string.Join(", ", stuck)}");
            }

            if (reasons.Count == 0 && stale.Count > 0 && problems.Count == 0)
            {
                reasons.Add($"site {string.Join(", ", stale)} not on map generation {MapGeneration} of recovery master {_self}");
            }

            if (reasons.Count > 0)
            {
                MapGeneration++;
                _lastRecovery = now;
                _disagreeSince = null;
                foreach (var shard in stuck)
                {
                    _noMasterSince.Remove(shard);
                }

                var electFrom = active.Where(v => v.Members.Any(m => m.Site == v.Site && m.Priority > 0)).Select(v => v.Site).DefaultIfEmpty(_self).First();
                decisions.Add(new RecoveryStarted(MapGeneration, stuck, electFrom, [.. active.Select(v => v.Site)], string.Join("; ", reasons)));
                recovering = true;
            }
        }

        // A banned site's masterships move away even with takeover runs off: the ban's own handovers may have failed
        // (a target not caught up in time), and a ban means the site masters nothing.
        if (!recovering && problems.Count == 0 && _noMasterSince.Count == 0 && _takeover is null
            && now - _lastTakeover >= _options.TakeoverInterval && now - _lastMasterChange >= _options.TakeoverInterval && active.Count > 0 && polls.All(p => p.View is not null || !p.Alive))
        {
            var current = active[0].Shards.ToDictionary(s => s.Shard, s => s.Master);
            var eligible = active.Where(v => v.Members.Any(m => m.Site == v.Site && m.Priority > 0)).Select(v => v.Site).ToList();
            var mustLeave = answered.Where(v => v.Banned || (v.Stopped && _options.Takeover)).Select(v => v.Site).ToHashSet();
            if (TakeoverPlanner.Plan(current, eligible, mustLeave, _writeRates.Current, _options.Takeover) is { } move)
            {
                _takeover = new TakeoverHandover(move.Shard, move.From, move.To, move.Why);
                _lastTakeover = now;
                decisions.Add(_takeover);
            }
        }

        return decisions;
    }

    /// <summary>The takeover handover <paramref name="handover"/> ended (<paramref name="succeeded"/> or not) at
    /// <paramref name="now"/>; a failure costs the target a credit.</summary>
    public void TakeoverFinished(TakeoverHandover handover, bool succeeded, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(handover);
        if (!ReferenceEquals(handover, _takeover))
        {
            return;
        }

        _takeover = null;
        _lastTakeover = now;
        if (succeeded)
        {
            _handedOver = (handover.Shard, handover.From);
        }
        else
        {
            _credits.Add(handover.To, 1, now, $"takeover handover of shard {handover.Shard} to it failed");
        }
    }

    /// <summary>Pushing a recovery to <paramref name="site"/> failed: that costs it as many credits as there are
    /// <paramref name="sites"/> (CTDB's failed pulls).</summary>
    public void RecoveryPushFailed(int site, int sites, DateTimeOffset now) =>
        _credits.Add(site, Math.Max(1, sites), now, $"the recovery push of map generation {MapGeneration} failed");

    // A new recovery master continues the map generation from the highest any site holds, and starts with no credits.
    private void TakeOver(IReadOnlyList<RecoveryView> answered, DateTimeOffset now)
    {
        MapGeneration = Math.Max(MapGeneration, answered.Select(v => v.MapGeneration).DefaultIfEmpty(0).Max());
        _credits.ClearAll();
        _missedPolls.Clear();
        _mastered.Clear();
        _losses.Clear();
        _noMasterSince.Clear();
        _bansPending.Clear();
        _bannedUntil.Clear();
        _disagreeSince = null;
        _takeover = null;
        _lastRecovery = DateTimeOffset.MinValue;
        // No mastership moves in the round of the election: the first takeover run waits one interval.
        _lastTakeover = now;
    }

    private void CountMisbehaviour(DateTimeOffset now, IReadOnlyList<SitePoll> polls, int sites)
    {
        foreach (var poll in polls)
        {
            if (poll.View is null)
            {
                var missed = _missedPolls[poll.Site] = poll.Alive ? _missedPolls.GetValueOrDefault(poll.Site) + 1 : 0;
                if (missed > _options.MissedPollsBeforeCredit)
                {
                    _credits.Add(poll.Site, 1, now, $"alive but left {missed} polls in a row unanswered");
                }

                // A site that stopped answering (dead, or hung) loses its masterships to the failover: that is the
                // failure (counted above while it is alive), not flapping, and neither is coming back without them.
                _mastered.Remove(poll.Site);
                continue;
            }

            _missedPolls[poll.Site] = 0;
            var mastered = poll.View.Shards.Where(s => s.Master == poll.Site).Select(s => s.Shard).ToHashSet();
            if (_mastered.TryGetValue(poll.Site, out var known) && known.StartedAt == poll.View.StartedAt && known.Shards is var before)
            {
                var lost = before.Where(s => !mastered.Contains(s) && _handedOver != (s, poll.Site) && !(_takeover is { } t && t.Shard == s && t.From == poll.Site)).Count();
                var losses = _losses.TryGetValue(poll.Site, out var l) ? l : _losses[poll.Site] = [];
                losses.RemoveAll(t => now - t > _options.FlapWindow);
                losses.AddRange(Enumerable.Repeat(now, lost));
                if (losses.Count >= _options.FlapLimit && !poll.View.Banned)
                {
                    _credits.Add(poll.Site, sites, now, $"flapping: lost {losses.Count} masterships within {_options.FlapWindow.TotalSeconds:0} s");
                    losses.Clear();
                }
            }

            _mastered[poll.Site] = (poll.View.StartedAt, mastered);
        }

        _handedOver = null;
    }

    private static List<string> Disagreements(List<RecoveryView> active)
    {
        var problems = new List<string>();
        if (active.Count < 2)
        {
            return problems;
        }

        var first = active[0];
        foreach (var other in active.Skip(1))
        {
            if (other.RecoveryMaster != first.RecoveryMaster)
            {
                problems.Add($"site {first.Site} believes recovery master {first.RecoveryMaster}, site {other.Site} {other.RecoveryMaster}");
            }

            foreach (var shard in first.Shards)
            {
                var theirs = other.Shards.FirstOrDefault(s => s.Shard == shard.Shard);
                if (theirs is null || theirs.Master != shard.Master || theirs.Gen != shard.Gen)
                {
                    problems.Add($"shard {shard.Shard}: site {first.Site} has master {shard.Master} gen {shard.Gen}, site {other.Site} {(theirs is null ? "no replica" : $"master {theirs.Master} gen {theirs.Gen}")}");
                }
                else if (theirs.MembershipVersion != shard.MembershipVersion)
                {
                    problems.Add($"shard {shard.Shard}: site {first.Site} has membership version {shard.MembershipVersion}, site {other.Site} {theirs.MembershipVersion}");
                }
            }
        }

        return problems;
    }

    private List<int> StuckShards(DateTimeOffset now, List<RecoveryView> active)
    {
        var shards = active.SelectMany(v => v.Shards).GroupBy(s => s.Shard).ToList();
        foreach (var shard in shards)
        {
            if (shard.Any(s => s.Master != 0))
            {
                _noMasterSince.Remove(shard.Key);
            }
            else
            {
                _noMasterSince.TryAdd(shard.Key, now);
            }
        }

        return [.. _noMasterSince.Where(s => now - s.Value > _options.StuckTimeout).Select(s => s.Key).Order()];
    }
}
