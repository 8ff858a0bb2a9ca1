namespace OrleansRep.Replication.Inputs;

/// <summary>
/// The host's connection to <see cref="Peer"/> came up: messages can flow both ways again (reference section 6,
/// "Connections": the Replication Manager owns connections and runs a handshake on each new one). A client whose
/// master connects (again), or that knows no master, asks that peer MASTER_REQ; a master answers with NEWMASTER
/// carrying its end of log, and a client behind asks for what it lacks. Masters do nothing.
/// <para>
/// <see cref="PeerConnected"/> and <see cref="PeerDisconnected"/> are one concept (the state of one connection), so
/// they live in one file. The host reports each change once per connection; repeating one is harmless.
/// </para>
/// </summary>
public sealed record PeerConnected(SiteId Peer) : RepInput;

/// <summary>
/// The host lost its connection to <see cref="Peer"/> (it crashed, or the link failed in either direction). A client
/// that loses its master forgets it, raises MASTER_FAILURE and, with <see cref="ReplicationOptions.Elections"/>,
/// starts a fast election at once (the lost master will not vote), as repmgr does. A master that loses a client does
/// nothing protocol-visible (Berkeley DB only holds log archiving briefly, which this machine does not own); a client
/// that loses another client does nothing either.
/// <para><see cref="ProcessGone"/>: the host knows the peer's process is gone, not just unreachable (a connection to its
/// address was refused). Lease grants this client gave it are void then, so an election need not wait them out. A
/// host must not say so on a timeout or a dropped packet: a cut-off master may still read under its lease.</para>
/// </summary>
public sealed record PeerDisconnected(SiteId Peer, bool ProcessGone = false) : RepInput;
