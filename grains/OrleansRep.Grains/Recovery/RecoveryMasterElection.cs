using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Grains.Recovery;

/// <summary>
/// CTDB's <c>ctdb_election_win</c> as a rule over views: a banned or stopped site never wins; otherwise the earliest
/// start time (the longest running site), ties to the larger site id.
/// </summary>
public static class RecoveryMasterElection
{
    /// <summary>The winner among <paramref name="views"/> (the sites that answered), or 0 when none may win.</summary>
    public static int Winner(IEnumerable<RecoveryView> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        return views.Where(CanWin).OrderBy(v => v.StartedAt).ThenByDescending(v => v.Site).Select(v => v.Site).FirstOrDefault();
    }

    /// <summary>Whether <paramref name="view"/>'s site may be recovery master at all.</summary>
    public static bool CanWin(RecoveryView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return !view.Banned && !view.Stopped;
    }
}
