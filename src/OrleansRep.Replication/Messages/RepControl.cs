namespace OrleansRep.Replication.Messages;

/// <summary>Control flags in a message header (Berkeley DB's REPCTL_*).</summary>
[Flags]
public enum RepControl : ushort
{
    None = 0,

    /// <summary>The record is PERM (commit or checkpoint): acknowledge it once durable.</summary>
    Perm = 0x1,

    /// <summary>Flush the log after processing.</summary>
    Flush = 0x2,

    /// <summary>A resend answering a request (not live traffic).</summary>
    Resend = 0x4,

    /// <summary>The last record the server has: applying it completes start-up (STARTUPDONE).</summary>
    LogEnd = 0x8,

    /// <summary>The group has had a master at some time.</summary>
    GroupEstablished = 0x10,

    /// <summary>Sent as part of internal init.</summary>
    Init = 0x20,
}
