using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using OrleansRep.Replication;
using OrleansRep.Replication.Messages;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// The way to one peer's replica of a shard: a bounded queue of messages and one loop that sends them in order, as
/// many as fit <see cref="SiteStorageOptions.MaxDeliveryBytes"/> per call, with up to
/// <see cref="SiteStorageOptions.MaxDeliveriesInFlight"/> calls under way at once (a window, as TCP keeps several
/// segments in flight: a catch-up stream is not held to one round trip per batch; the calls leave in order on one
/// connection and the peer takes them in order). A full queue drops new messages (counted):
/// the protocol re-requests what is missing, and a step never waits for the network. A failed call drops its batch
/// and reports the peer down; the next call that goes through reports it up (the machine's PeerDisconnected and
/// PeerConnected: a lost master is noticed at once, a returning peer is asked for its master). A call refused a
/// connection reports the peer's process gone, once per time down: nothing listens on its address, so it serves no
/// read under a lease any more (a timeout proves nothing of the kind).
/// </summary>
internal sealed class PeerLink(SiteId peer, int capacity, int maxBatchBytes, int maxInFlight = 1)
{
    private readonly Channel<(RepMessage? Message, SendOptions Flags)> _queue =
        Channel.CreateBounded<(RepMessage?, SendOptions)>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public SiteId Peer { get; } = peer;

    public long Dropped { get; private set; }

    /// <summary>How many of <see cref="Dropped"/> the replica has logged.</summary>
    public long DroppedReported { get; set; }

    /// <summary>Null until the first call ended; then whether it went through.</summary>
    public bool? Up { get; private set; }

    private bool _goneReported;

    public void Enqueue(RepMessage message, SendOptions flags)
    {
        if (!_queue.Writer.TryWrite((message, flags)))
        {
            Dropped++;
        }
    }

    /// <summary>Asks for a call even with nothing to send (an empty batch): a client probes its master this way, since
    /// an idle client sends it nothing and would otherwise learn of its death only from missed heartbeats.</summary>
    public void Probe() => _queue.Writer.TryWrite((null, SendOptions.None));

    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Sends until <see cref="Complete"/>; <paramref name="changed"/> hears each up/down change (up, gone).
    /// Run on the replica's scheduler: every continuation here comes back to it, so the state is touched one turn at a
    /// time.</summary>
    public async Task RunAsync(Func<byte[], Task> deliver, Action<bool, bool> changed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        var batch = new ArrayBufferWriter<byte>(4096);
        var inFlight = new List<Task>(maxInFlight);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(true))
        {
            batch.ResetWrittenCount();
            while (batch.WrittenCount < maxBatchBytes && _queue.Reader.TryRead(out var item))
            {
                if (item.Message is not null)
                {
                    RepMessageCodec.WriteEntry(batch, item.Message, item.Flags);
                }
            }

            if (inFlight.Count == maxInFlight)
            {
                // The window is full: the next call leaves when one returns (the queue bounds what waits meanwhile).
                inFlight.Remove(await Task.WhenAny(inFlight).ConfigureAwait(true));
            }

            inFlight.Add(SendAsync(deliver, batch.WrittenSpan.ToArray(), changed));
        }

        await Task.WhenAll(inFlight).ConfigureAwait(true);
    }

    /// <summary>One call; its outcome updates <see cref="Up"/> (calls complete in any order: the latest outcome counts).</summary>
    private async Task SendAsync(Func<byte[], Task> deliver, byte[] batch, Action<bool, bool> changed)
    {
        bool up, gone = false;
        try
        {
            await deliver(batch).ConfigureAwait(true);
            up = true;
        }
#pragma warning disable CA1031 // Any failure of a call to a peer means the same here: the peer is not reachable now.
        catch (Exception e)
#pragma warning restore CA1031
        {
            up = false;
            gone = IsRefused(e);
        }

        var newlyGone = gone && !_goneReported;
        if (Up != up || newlyGone)
        {
            Up = up;
            _goneReported = !up && (gone || _goneReported);
            changed(up, newlyGone);
        }
    }

    private static bool IsRefused(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return true;
            }
        }

        return false;
    }
}
