using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;
using static OrleansRep.Replication.Tests.Support.SyncSites;

namespace OrleansRep.Replication.Tests.Support;

/// <summary>Builds the master's sync messages (VERIFY, UPDATE) for the sync tests and checks what a client sends the master.</summary>
internal static class SyncMessages
{
    public static RepMessage FromMaster(RepMessageType type, Lsn lsn, RepPayload? payload = null) => new(type, MasterId, Gen, lsn, Payload: payload);

    /// <summary>The master's VERIFY for <paramref name="mine"/>: the same bytes, or different ones.</summary>
    public static RepMessage Verify(LogRecordView mine, bool differ = false) =>
        FromMaster(RepMessageType.Verify, mine.Lsn, new RecordPayload(differ ? TestSite.Record(mine.Lsn, mine.Kind, mine.Frame.Length, salt: 1) : mine));

    public static RepMessage Update(long snapshotId, int chunks, Lsn first, Lsn end) =>
        FromMaster(RepMessageType.Update, end, new UpdatePayload(first, snapshotId, chunks));

    public static void AssertSend(Send send, RepMessageType type, Lsn lsn, SendOptions flags)
    {
        Assert.Equal(Destination.To(MasterId), send.To);
        Assert.Equal(type, send.Message.Type);
        Assert.Equal(lsn, send.Message.Lsn);
        Assert.Equal(flags, send.Flags);
        Assert.Equal(Gen, send.Message.Gen);
    }

    public static void AssertUpdateRequest(Send send, bool repeat, SendOptions flags)
    {
        Assert.Equal(Destination.To(MasterId), send.To);
        Assert.Equal(RepMessageType.UpdateReq, send.Message.Type);
        Assert.Equal(new UpdateRequestPayload(repeat), send.Message.Payload);
        Assert.Equal(flags, send.Flags);
    }
}
