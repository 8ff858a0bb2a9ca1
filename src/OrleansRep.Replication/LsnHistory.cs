using System.Collections.Immutable;
using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>
/// The LSN history (<see cref="RepPersistentState.History"/>): one <see cref="GenerationStart"/> per generation that
/// had a master, in generation order. Berkeley DB keeps it in a replicated database, so every site holding a
/// generation's records holds its entry. Here a master sends its history with NEWMASTER
/// (<see cref="NewMasterPayload.Earlier"/>) and a client merges in the entries it lacks, so a site that was down for a
/// whole generation learns where that generation began from the next master it follows.
/// </summary>
internal static class LsnHistory
{
    /// <summary>What a master of generation <paramref name="gen"/> sends: its entries before <paramref name="gen"/>,
    /// the newest <see cref="NewMasterPayload.MaxEarlier"/>; null when there are none.</summary>
    public static IReadOnlyList<GenerationStart>? EarlierThan(ImmutableList<GenerationStart> history, uint gen)
    {
        var count = 0;
        while (count < history.Count && history[count].Gen < gen)
        {
            count++;
        }

        var skip = Math.Max(0, count - NewMasterPayload.MaxEarlier);
        return count == 0 ? null : history.GetRange(skip, count - skip);
    }

    /// <summary>Checks what a NEWMASTER of generation <paramref name="gen"/> says about earlier generations: each entry
    /// older than <paramref name="gen"/>, in strictly increasing generation order, under a site.</summary>
    /// <exception cref="MalformedMessageException">It says something impossible.</exception>
    public static void Validate(IReadOnlyList<GenerationStart>? earlier, uint gen, SiteId from)
    {
        var previous = 0u;
        foreach (var entry in earlier ?? [])
        {
            if (entry is null || entry.Gen >= gen || entry.Gen <= previous || entry.Master.IsNone)
            {
                throw new MalformedMessageException($"NEWMASTER of gen {gen} from {from} carries a bad LSN-history entry {entry}");
            }

            previous = entry.Gen;
        }
    }

    /// <summary>
    /// <paramref name="own"/> with the entries of <paramref name="earlier"/> whose generations it lacks, in generation
    /// order. An entry this site already has is kept as it is: one generation has one master and one start, and this
    /// site learned its own entries from that master.
    /// </summary>
    public static ImmutableList<GenerationStart> Merge(ImmutableList<GenerationStart> own, IReadOnlyList<GenerationStart>? earlier)
    {
        if (earlier is null || earlier.Count == 0)
        {
            return own;
        }

        var known = own.Select(e => e.Gen).ToHashSet();
        var missing = earlier.Where(e => !known.Contains(e.Gen)).ToList();
        return missing.Count == 0 ? own : [.. own.Concat(missing).OrderBy(e => e.Gen)];
    }
}
