namespace OrleansRep.Replication;

/// <summary>
/// How many sites an election waits for and how many votes it needs (reference section 4): Berkeley DB's
/// <c>rep_elect</c> argument rules and repmgr's defaults. nsites 0 means the group size; nvotes 0 a majority
/// (<c>nsites/2 + 1</c>), except 1 in a two-site group without strict mode; nvotes above nsites cannot elect anyone.
/// A "fast" election, held after losing the master, does not wait for it: nsites drops by one while it stays above
/// nvotes (so a strict two-site group still needs both votes).
/// </summary>
internal readonly record struct ElectionSize(int Nsites, int Nvotes)
{
    public static ElectionSize Resolve(int nsites, int nvotes, int groupSize, bool twoSiteStrict, bool fast)
    {
        if (nsites < 0 || nvotes < 0)
        {
            throw new InvalidElectionException($"nsites {nsites} and nvotes {nvotes} must not be negative");
        }

        var sites = nsites == 0 ? Math.Max(1, groupSize) : nsites;
        var votes = nvotes;
        if (votes == 0)
        {
            votes = sites == 2 && !twoSiteStrict ? 1 : (sites / 2) + 1;
        }

        if (votes > sites)
        {
            throw new InvalidElectionException($"nvotes {votes} is more than nsites {sites}: nobody could be elected");
        }

        if (fast && sites > votes)
        {
            sites--;
        }

        return new ElectionSize(sites, votes);
    }

    /// <summary>A site invited into an election takes the inviter's nsites when it is its own, or one less (the
    /// inviter holds a fast election), so as not to spoil it; anything else it keeps its own (repmgr).</summary>
    public ElectionSize AsInviteeOf(int inviterNsites) =>
        inviterNsites == Nsites - 1 && inviterNsites >= Nvotes ? this with { Nsites = inviterNsites } : this;
}
