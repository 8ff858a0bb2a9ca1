using OrleansRep.Storage;

namespace OrleansRep.Replication.Messages;

/// <summary>
/// One protocol message: the header every message has (Berkeley DB's control header: type, sender's generation,
/// LSN, control flags), plus a type-specific <see cref="Payload"/>. Immutable, so the simulator can deliver the same
/// instance twice (duplication) or to many sites (broadcast).
/// </summary>
public sealed record RepMessage(RepMessageType Type, SiteId From, uint Gen, Lsn Lsn, RepControl Control = RepControl.None, RepPayload? Payload = null)
{
    /// <summary>Master leases: the master's clock (microseconds) when it sent this PERM message, echoed in the
    /// client's LEASE_GRANT (Berkeley DB's msg_sec/msg_nsec header fields); 0 when leases are off.</summary>
    public long LeaseTime { get; init; }

    public bool Has(RepControl flag) => (Control & flag) == flag;

    public T PayloadAs<T>()
        where T : RepPayload =>
        Payload as T ?? throw new MalformedMessageException($"{Type} from {From} lacks its {typeof(T).Name}");

    public override string ToString() => $"{Type} from {From} gen {Gen} lsn {Lsn}{(Control == RepControl.None ? "" : " " + Control)}{(Payload == null ? "" : " " + Payload)}";
}
