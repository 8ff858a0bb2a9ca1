using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>
/// The rules of the 32-bit generation space (gens of masters, egens of elections).
/// <list type="number">
/// <item>A master's gen and an election's egen are at most <see cref="Last"/>. The persisted egen may be
/// <see cref="Last"/> + 1, which means "spent": no election can be held any more. Nothing ever wraps around.</item>
/// <item>A message that carries a gen or egen past <see cref="Last"/> (header gen, ALIVE egen, VOTE egen or data gen,
/// an LSN-history entry of NEWMASTER) is malformed: it is dropped (counted in <see cref="ReplicationNode.Dropped"/>)
/// before anything is changed, not half-applied.</item>
/// <item>A generation is adopted from ALIVE / VOTE1 / VOTE2 (Berkeley DB's rule: a newer gen makes the client forget
/// its master) only if an election can still follow it (<see cref="LeavesRoomForElection"/>). Adopting the last
/// generation from such a message would leave the site, and every site it votes with, unable ever to elect a master
/// (the e2e test <c>An_ALIVE_at_the_last_generation_must_not_leave_the_shard_without_a_master</c>). A master of the last
/// generation still announces itself with NEWMASTER, which is followed.</item>
/// <item>When a group really reaches the end (Berkeley DB's 32-bit gens never do in practice: four billion master
/// changes), a site refuses to hold or join elections and to become master by command past <see cref="Last"/>: a
/// command gets <see cref="CommandRefusedException"/>, an election is not started and
/// <see cref="RepEventKind.GenerationsExhausted"/> is raised (once per run; the host logs it). The group keeps its
/// current master, if any; a new group must be created from a backup to go on.</item>
/// </list>
/// A generation far ahead of the present one (a million) is still adopted, as Berkeley DB does: such a message comes
/// only from an authenticated peer, and the cost of a forged one is one election, not a wedged group.
/// </summary>
public static class GenerationSpace
{
    /// <summary>The last gen or egen there is: the persisted egen (gen + 1, or egen + 1 after a vote) still fits in
    /// 32 bits below <see cref="uint.MaxValue"/>.</summary>
    public const uint Last = uint.MaxValue - 2;

    /// <summary>Becoming master takes gen <c>max(gen + 1, egen)</c>; past <see cref="Last"/> there is none: the command
    /// (<paramref name="what"/>) is refused and changes nothing.</summary>
    internal static void RefuseMasterPastLast(NodeContext ctx, string what)
    {
        if (ctx.NextMasterGen > Last)
        {
            throw new CommandRefusedException($"cannot {what}: generation {ctx.Gen} is the last there is (egen {ctx.State.Egen}); the group cannot have another master");
        }
    }

    /// <summary>An election can still be held after generation <paramref name="gen"/> (its egen, gen + 1, is in range).</summary>
    public static bool LeavesRoomForElection(uint gen) => gen < Last;

    /// <summary>Every gen and egen <paramref name="message"/> carries is at most <see cref="Last"/>.</summary>
    public static bool InRange(RepMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Gen <= Last && message.Payload switch
        {
            AlivePayload a => a.Egen <= Last,
            VotePayload v => v.Egen <= Last && v.DataGen <= Last,
            NewMasterPayload { Earlier: { } earlier } => earlier.All(e => e is not null && e.Gen <= Last),
            _ => true,
        };
    }
}
