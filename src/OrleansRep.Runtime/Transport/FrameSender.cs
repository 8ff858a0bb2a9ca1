using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace OrleansRep.Runtime.Transport;

/// <summary>
/// The single writer of a connection's output. Any thread queues frames; one loop writes everything queued and then
/// flushes once, so under load many frames share a flush (and a TCP send) while a lone frame goes out at once.
/// The queue is bounded: a producer waits when the peer is not reading.
/// </summary>
internal sealed class FrameSender
{
    // Flush mid-batch once this much is buffered, so a long batch does not hold everything in memory before sending.
    private const int FlushThresholdBytes = 256 * 1024;

    private readonly Channel<OutgoingFrame> _queue;
    private readonly PipeWriter _output;

    public FrameSender(PipeWriter output, int capacity)
    {
        _output = output;
        _queue = Channel.CreateBounded<OutgoingFrame>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Queues a frame (its payload is copied). Throws <see cref="ConnectionClosedException"/> once the sender is closed.</summary>
    public ValueTask SendAsync(FrameKind kind, long correlationId, ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        OutgoingFrame frame = OutgoingFrame.Create(kind, correlationId, payload);
        if (_queue.Writer.TryWrite(frame))
        {
            return ValueTask.CompletedTask;
        }

        return SendSlowAsync(frame, cancellationToken);
    }

    private async ValueTask SendSlowAsync(OutgoingFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            frame.Release();
            throw new ConnectionClosedException("the connection is closed", e);
        }
        catch
        {
            frame.Release();
            throw;
        }
    }

    /// <summary>Stops accepting frames; the write loop sends what is queued and ends.</summary>
    public void Close() => _queue.Writer.TryComplete();

    /// <summary>Writes queued frames until <see cref="Close"/> or until the output fails; always completes the output.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            ChannelReader<OutgoingFrame> reader = _queue.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                long unflushed = 0;
                while (reader.TryRead(out OutgoingFrame frame))
                {
                    unflushed += Write(frame);
                    if (unflushed >= FlushThresholdBytes)
                    {
                        unflushed = 0;
                        if ((await _output.FlushAsync(cancellationToken).ConfigureAwait(false)).IsCompleted)
                        {
                            return;
                        }
                    }
                }

                if ((await _output.FlushAsync(cancellationToken).ConfigureAwait(false)).IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer went away or the connection is being torn down; the reader side reports why.
            failure = e;
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out OutgoingFrame dropped))
            {
                dropped.Release();
            }

            await _output.CompleteAsync(failure).ConfigureAwait(false);
        }
    }

    private long Write(OutgoingFrame frame)
    {
        try
        {
            int length = FrameHeader.Size + frame.Header.PayloadLength;
            Span<byte> destination = _output.GetSpan(length);
            if (destination.Length >= length)
            {
                frame.Header.Write(destination);
                frame.Payload.CopyTo(destination[FrameHeader.Size..]);
                _output.Advance(length);
            }
            else
            {
                // A payload larger than one pipe segment: header first, then the payload in pieces.
                frame.Header.Write(_output.GetSpan(FrameHeader.Size));
                _output.Advance(FrameHeader.Size);
                _output.Write(frame.Payload);
            }

            return length;
        }
        finally
        {
            frame.Release();
        }
    }
}
