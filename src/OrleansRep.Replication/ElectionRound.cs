using System.Diagnostics;

namespace OrleansRep.Replication;

/// <summary>
/// One election this site takes part in, for one election generation (Berkeley DB's election fields of the REP
/// region): how many sites and votes it needs, the VOTE1 tally with the best vote so far, the VOTE2s received, and the
/// deadline of the phase under way. Volatile: a restart forgets it, and the egen persisted before voting keeps the
/// restarted site from voting again in it.
/// </summary>
internal sealed class ElectionRound
{
    /// <summary>No real group is this large; the tallies stop here so a flood of forged votes cannot grow them.</summary>
    public const int MaxVoters = 1024;

    private readonly Dictionary<SiteId, Vote> _votes = [];
    private readonly HashSet<SiteId> _vote2s = [];
    private readonly HashSet<SiteId> _resentTo = [];

    public ElectionRound(uint egen, int nsites, int nvotes, bool full, long phaseDeadline)
    {
        Debug.Assert(nvotes >= 1 && nsites >= 1, "a round needs at least one site and one vote");
        Egen = egen;
        Nsites = Math.Min(nsites, MaxVoters);
        Nvotes = Math.Min(nvotes, Nsites);
        Full = full;
        Deadline = phaseDeadline;
    }

    /// <summary>The election generation voted in.</summary>
    public uint Egen { get; }

    /// <summary>Sites expected to vote: phase 1 ends early once this many have.</summary>
    public int Nsites { get; private set; }

    /// <summary>Votes needed: VOTE1s to pick a winner, and VOTE2s for the winner to take over.</summary>
    public int Nvotes { get; private set; }

    /// <summary>Waiting for every site of a group that never had a master (the full-election timeout).</summary>
    public bool Full { get; private set; }

    /// <summary>1 while tallying VOTE1s; 2 once this site sent its VOTE2 (or, as winner, counts them).</summary>
    public int Phase { get; private set; } = 1;

    /// <summary>When the phase under way ends, on the tick clock.</summary>
    public long Deadline { get; private set; }

    /// <summary>The best vote tallied so far (null while no electable site voted).</summary>
    public Vote? Winner { get; private set; }

    public int Voters => _votes.Count;

    public int Vote2Count => _vote2s.Count;

    public bool HasVoted(SiteId site) => _votes.ContainsKey(site);

    /// <summary>Notes that this site's vote is resent to a late joiner; false if it already was (once per site and
    /// round, so two sites that no longer tally each other's votes cannot bounce them back and forth).</summary>
    public bool MarkResent(SiteId site) => _resentTo.Count < MaxVoters && _resentTo.Add(site);

    /// <summary>Tallies a VOTE1; a site votes once per election (repeats are absorbed). False if not counted.</summary>
    public bool Tally(Vote vote)
    {
        if (_votes.ContainsKey(vote.Site) || _votes.Count >= MaxVoters)
        {
            return false;
        }

        _votes.Add(vote.Site, vote);
        if (VoteRanking.Beats(vote, Winner))
        {
            Winner = vote;
        }

        return true;
    }

    /// <summary>Tallies a VOTE2 (a site that picked this one as winner). False if not counted.</summary>
    public bool TallyVote2(SiteId site)
    {
        if (_vote2s.Count >= MaxVoters)
        {
            return false;
        }

        return _vote2s.Add(site);
    }

    /// <summary>Receivers adopt the larger nsites and nvotes of the votes they see (__rep_vote1).</summary>
    public void Widen(int nsites, int nvotes)
    {
        Nsites = Math.Min(MaxVoters, Math.Max(Nsites, nsites));
        Nvotes = Math.Min(Nsites, Math.Max(Nvotes, nvotes));
    }

    /// <summary>Phase 1 is over once nsites sites voted and one of them can win.</summary>
    public bool EveryoneVoted => Voters >= Nsites && Winner is not null;

    /// <summary>This site won and asked for its log to be made durable before it becomes master.</summary>
    public bool FlushRequested { get; set; }

    public void EnterPhase2(long deadline)
    {
        Debug.Assert(Phase == 1, "phase 2 follows phase 1 once");
        Phase = 2;
        Deadline = deadline;
    }

    /// <summary>The group turned out to be established: wait only the normal timeout from the start.</summary>
    public void EndFullWait(long deadline)
    {
        Full = false;
        Deadline = Math.Min(Deadline, deadline);
    }
}
