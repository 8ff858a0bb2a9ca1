namespace OrleansRep.Replication;

/// <summary>Transport flags of a send, with Berkeley DB's values (db.h): how the host's transport should route and
/// treat a message.</summary>
[Flags]
public enum SendOptions
{
    None = 0,

    /// <summary>A request another client may answer instead of the master (first-time gap requests).</summary>
    Anywhere = 0x1,

    /// <summary>Do not hold the message back in a buffer.</summary>
    NoBuffer = 0x2,

    /// <summary>Carries a PERM record: the sender waits for acknowledgements per the ack policy.</summary>
    Permanent = 0x4,

    /// <summary>A repeated request: only the master should answer.</summary>
    ReRequest = 0x8,
}
