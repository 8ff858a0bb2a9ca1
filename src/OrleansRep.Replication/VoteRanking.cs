namespace OrleansRep.Replication;

/// <summary>
/// Which of two votes should win an election: Berkeley DB's <c>__rep_cmp_vote</c> (reference section 4). A
/// non-electable vote never wins; a site promoted by hand (<see cref="Messages.VotePayload.Appointed"/>) beats one that
/// is not (the operator chose it; voters ahead of it still withhold their VOTE2, see <c>Elector</c>); a non-zero priority beats a zero priority regardless of the log; then the newer
/// data generation (the gen of the newest LSN-history entry); then the later last commit; at an equal last commit
/// the higher priority; then the higher tiebreaker. Site ids settle an exact tie so that every site that saw the
/// same votes picks the same winner.
/// </summary>
internal static class VoteRanking
{
    /// <summary>True if <paramref name="candidate"/> should replace <paramref name="best"/> (null: none yet).</summary>
    public static bool Beats(Vote candidate, Vote? best)
    {
        if (!candidate.CanWin)
        {
            return false;
        }

        if (best is null)
        {
            return true;
        }

        var c = candidate.Payload;
        var b = best.Payload;
        if (c.Appointed != b.Appointed)
        {
            return c.Appointed;
        }

        if ((c.Priority > 0) != (b.Priority > 0))
        {
            return c.Priority > 0;
        }

        if (c.DataGen != b.DataGen)
        {
            return c.DataGen > b.DataGen;
        }

        var byLog = c.LastCommit.CompareTo(b.LastCommit);
        if (byLog != 0)
        {
            return byLog > 0;
        }

        if (c.Priority != b.Priority)
        {
            return c.Priority > b.Priority;
        }

        if (c.Tiebreaker != b.Tiebreaker)
        {
            return c.Tiebreaker > b.Tiebreaker;
        }

        return candidate.Site > best.Site;
    }

    /// <summary>
    /// The tiebreaker a site puts in its vote for election generation <paramref name="egen"/>. Berkeley DB draws it
    /// at random; the machine may not, so it is a mix of the two (splitmix64's finaliser): fixed for a site and an
    /// egen, spread across sites, different from one election to the next.
    /// </summary>
    public static uint Tiebreaker(SiteId site, uint egen)
    {
        var z = ((ulong)(uint)site.Value << 32) | egen;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (uint)(z ^ (z >> 32));
    }
}
