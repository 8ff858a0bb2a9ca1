namespace OrleansRep.Runtime.Membership;

/// <summary>The second byte of a membership payload. Requests come first; the rest are responses.</summary>
public enum MembershipMessageKind : byte
{
    /// <summary>Request: admit <see cref="MembershipMessage.Silo"/>. Answered by <see cref="View"/> or <see cref="DeclaredDead"/>.</summary>
    Join = 1,

    /// <summary>Request: are you <see cref="MembershipMessage.Target"/>? Answered by <see cref="ProbeAck"/> or <see cref="DeclaredDead"/>.</summary>
    Probe = 2,

    /// <summary>Request: merge my view and send back yours. Answered by <see cref="View"/> or <see cref="DeclaredDead"/>.</summary>
    Gossip = 3,

    /// <summary>Response: the responder's view.</summary>
    View = 4,

    /// <summary>Response to a probe: the responder's address and view version.</summary>
    ProbeAck = 5,

    /// <summary>Response: the requesting incarnation (<see cref="MembershipMessage.Silo"/>) is dead here.</summary>
    DeclaredDead = 6,
}
