using OrleansRep.Grains.Shards;
using OrleansRep.Replication;
using OrleansRep.Replication.Messages;
using OrleansRep.Runtime.Testing;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Tests.Shards;

/// <summary>
/// <see cref="PeerLink"/>'s window: up to its limit of calls under way at once (a catch-up is not held to one round
/// trip per batch), never more, the batches leaving in queue order; a failed call reports the peer down and the next
/// good one up.
/// </summary>
public sealed class PeerLinkTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Calls as the fake peer sees them: the LSNs of each batch and the call's completion, answered by the test.</summary>
    private sealed class FakePeer
    {
        private readonly object _gate = new();
        private readonly List<(List<ulong> Lsns, TaskCompletionSource Done)> _calls = [];

        public int MaxOutstanding { get; private set; }

        public int Outstanding { get { lock (_gate) { return _calls.Count(c => !c.Done.Task.IsCompleted); } } }

        public int Calls { get { lock (_gate) { return _calls.Count; } } }

        public List<ulong> Delivered { get { lock (_gate) { return [.. _calls.SelectMany(c => c.Lsns)]; } } }

        public Task Deliver(byte[] batch)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _calls.Add(([.. RepMessageCodec.ReadBatch(batch).Select(m => m.Message.Lsn.ToUInt64())], done));
                MaxOutstanding = Math.Max(MaxOutstanding, _calls.Count(c => !c.Done.Task.IsCompleted));
            }

            return done.Task;
        }

        /// <summary>Answers the oldest call still under way, with success or a failure.</summary>
        public void AnswerOldest(Exception? failure = null)
        {
            lock (_gate)
            {
                var oldest = _calls.First(c => !c.Done.Task.IsCompleted).Done;
                if (failure is null)
                {
                    oldest.SetResult();
                }
                else
                {
                    oldest.SetException(failure);
                }
            }
        }
    }

    private static RepMessage Message(uint offset) => new(RepMessageType.LogMore, new SiteId(1), 3, new Lsn(1, offset));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task At_most_the_window_of_calls_is_under_way_and_batches_arrive_in_order(int window)
    {
        // A batch limit of one byte: one message per call, so 8 messages are 8 calls.
        var link = new PeerLink(new SiteId(2), capacity: 100, maxBatchBytes: 1, maxInFlight: window);
        var peer = new FakePeer();
        var expected = Enumerable.Range(1, 8).Select(i => new Lsn(1, (uint)(100 * i)).ToUInt64()).ToList();
        foreach (var lsn in expected)
        {
            link.Enqueue(Message((uint)(lsn & 0xFFFF_FFFF)), SendOptions.None);
        }

        var run = Task.Run(() => link.RunAsync(peer.Deliver, (_, _) => { }));
        for (var answered = 0; answered < expected.Count; answered++)
        {
            // The window fills (or the last calls are all out) before the oldest is answered.
            var want = Math.Min(window, expected.Count - answered);
            await Conditions.WaitUntilAsync(() => Task.FromResult(peer.Outstanding == want), () => $"{peer.Outstanding} calls under way, expected {want} (window {window})", Deadline);
            peer.AnswerOldest();
        }

        link.Complete();
        await run.WaitAsync(Deadline);
        Assert.Equal(window, peer.MaxOutstanding);
        Assert.Equal(expected, peer.Delivered);
        Assert.True(link.Up);
    }

    [Fact]
    public async Task A_failed_call_reports_the_peer_down_and_the_next_good_one_up()
    {
        var link = new PeerLink(new SiteId(2), capacity: 100, maxBatchBytes: 1, maxInFlight: 2);
        var peer = new FakePeer();
        var changes = new List<bool>();
        link.Enqueue(Message(100), SendOptions.None);
        link.Enqueue(Message(200), SendOptions.None);
        var run = Task.Run(() => link.RunAsync(peer.Deliver, (up, _) => { lock (changes) { changes.Add(up); } }));

        await Conditions.WaitUntilAsync(() => Task.FromResult(peer.Outstanding == 2), () => $"{peer.Outstanding} calls under way", Deadline);
        peer.AnswerOldest(new TimeoutException("no answer"));
        await Conditions.WaitUntilAsync(() => Task.FromResult(link.Up == false), () => $"the link is {link.Up}", Deadline);
        peer.AnswerOldest();
        await Conditions.WaitUntilAsync(() => Task.FromResult(link.Up == true), () => $"the link is {link.Up}", Deadline);

        link.Complete();
        await run.WaitAsync(Deadline);
        lock (changes)
        {
            Assert.Equal([false, true], changes);
        }
    }
}
