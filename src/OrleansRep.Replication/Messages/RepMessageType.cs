namespace OrleansRep.Replication.Messages;

/// <summary>
/// Message types. 1-31 are Berkeley DB 5.3's wire values (rep.h) with their meaning; 64 and up are what BDB's
/// Replication Manager sends on its own channel (acks, heartbeats, membership), which this machine does itself.
/// </summary>
public enum RepMessageType : byte
{
    Alive = 1,
    AliveReq = 2,
    AllReq = 3,
    BulkLog = 4,
    BulkPage = 5,
    DupMaster = 6,
    File = 7,
    FileFail = 8,
    FileReq = 9,
    LeaseGrant = 10,
    Log = 11,
    LogMore = 12,
    LogReq = 13,
    MasterReq = 14,
    NewClient = 15,
    NewFile = 16,
    NewMaster = 17,
    NewSite = 18,
    Page = 19,
    PageFail = 20,
    PageMore = 21,
    PageReq = 22,
    ReRequest = 23,
    StartSync = 24,
    Update = 25,
    UpdateReq = 26,
    Verify = 27,
    VerifyFail = 28,
    VerifyReq = 29,
    Vote1 = 30,
    Vote2 = 31,

    /// <summary>A client's highest durable PERM LSN (repmgr's REPMGR_PERMLSN): the acknowledgement.</summary>
    Ack = 64,

    /// <summary>The master's heartbeat (repmgr's REPMGR_HEARTBEAT): gen and its max PERM LSN.</summary>
    Heartbeat = 65,

    /// <summary>A new site asks the master to add it to the group (address and priority in the payload).</summary>
    JoinRequest = 66,

    /// <summary>The group's membership as the master committed it.</summary>
    Membership = 67,

    /// <summary>Ask the master to remove a site.</summary>
    RemoveRequest = 68,
}

public static class RepMessageTypeExtensions
{
    /// <summary>Requests a client may serve as well as the master (reference section 1).</summary>
    public static bool IsClientServable(this RepMessageType type) =>
        type is RepMessageType.AllReq or RepMessageType.LogReq or RepMessageType.PageReq or RepMessageType.VerifyReq;

    /// <summary>Messages accepted even from an older generation (reference section 2, "Generations").</summary>
    public static bool AcceptedFromOlderGen(this RepMessageType type) =>
        type is RepMessageType.AliveReq or RepMessageType.NewClient or RepMessageType.MasterReq or RepMessageType.DupMaster or RepMessageType.Vote1
            or RepMessageType.JoinRequest;
}
