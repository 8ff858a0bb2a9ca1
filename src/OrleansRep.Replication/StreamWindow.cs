using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// One window of a log stream (<see cref="RequestServer"/>), gathered before it is sent so that, when it stops at the
/// request limit, its LOG_MORE can go out halfway through instead of last. The requester asks for the next window as
/// soon as it reaches the LOG_MORE, so the server reads and sends that window while the requester still applies the
/// second half of this one: catch-up no longer waits a whole round trip, and the server's read, between windows.
/// (Berkeley DB sends LOG_MORE last.) The records after the LOG_MORE still arrive before the next window's on the
/// ordered link; if they are lost, the next window's records are parked and the gap is asked for as any other.
/// </summary>
internal sealed class StreamWindow(NodeContext ctx, Destination to)
{
    private readonly List<(RepMessageType Type, Lsn Lsn, RepPayload? Payload, RepControl Control, long Bytes)> _messages = [];
    private long _bytes;

    public void Send(RepMessageType type, Lsn lsn, RepPayload? payload = null, RepControl control = RepControl.None)
    {
        _bytes += payload switch
        {
            RecordPayload r => r.Record.Frame.Length,
            BulkPayload b => b.Records.Sum(r => (long)r.Frame.Length),
            _ => 0,
        };
        _messages.Add((type, lsn, payload, control, _bytes));
    }

    /// <summary>Sends the window with LOG_MORE (<paramref name="resumeAt"/>: where the next window starts) after the
    /// first message that reaches half of its bytes.</summary>
    public void EndWithLogMore(Lsn resumeAt)
    {
        var half = _messages.FindIndex(m => m.Bytes * 2 >= _bytes);
        _messages.Insert(half + 1, (RepMessageType.LogMore, resumeAt, null, RepControl.Resend, _bytes));
        SendAll();
    }

    public void SendAll()
    {
        foreach (var (type, lsn, payload, control, _) in _messages)
        {
            ctx.Send(to, type, lsn, payload, control);
        }

        _messages.Clear();
        _bytes = 0;
    }
}
