namespace OrleansRep.Runtime.Membership;

/// <summary>One membership request or response; which fields are set depends on <see cref="Kind"/>.</summary>
/// <param name="Kind">What the message is.</param>
/// <param name="Silo">The sender (join, probe, gossip, probe ack) or the dead incarnation (declared dead).</param>
/// <param name="Target">The incarnation a probe expects to reach.</param>
/// <param name="ViewVersion">The sender's view version (probe, probe ack).</param>
/// <param name="View">The sender's view (gossip, view).</param>
public sealed record MembershipMessage(
    MembershipMessageKind Kind, SiloAddress? Silo = null, SiloAddress? Target = null, long ViewVersion = 0, MembershipView? View = null)
{
    /// <summary>Asks a seed to admit <paramref name="joiner"/>.</summary>
    public static MembershipMessage Join(SiloAddress joiner) => new(MembershipMessageKind.Join, joiner);

    /// <summary>Probes <paramref name="target"/>.</summary>
    public static MembershipMessage Probe(SiloAddress prober, SiloAddress target, long viewVersion) =>
        new(MembershipMessageKind.Probe, prober, target, viewVersion);

    /// <summary>Offers <paramref name="view"/> for a push-pull exchange.</summary>
    public static MembershipMessage Gossip(SiloAddress sender, MembershipView view) => new(MembershipMessageKind.Gossip, sender, View: view);

    /// <summary>Answers with <paramref name="view"/>.</summary>
    public static MembershipMessage ViewResponse(MembershipView view) => new(MembershipMessageKind.View, View: view);

    /// <summary>Answers a probe.</summary>
    public static MembershipMessage ProbeAck(SiloAddress responder, long viewVersion) =>
        new(MembershipMessageKind.ProbeAck, responder, ViewVersion: viewVersion);

    /// <summary>Tells <paramref name="silo"/> that it is dead here.</summary>
    public static MembershipMessage DeclaredDead(SiloAddress silo) => new(MembershipMessageKind.DeclaredDead, silo);
}
