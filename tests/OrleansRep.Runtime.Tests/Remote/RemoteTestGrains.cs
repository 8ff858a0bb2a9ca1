using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Remote;

public sealed record EchoBundle(bool Flag, int Number, long Big, double Ratio, string Text, byte[] Bytes, Guid Id, DateTime At, TimeSpan Span, DayOfWeek Day, IReadOnlyList<string> Tags);

public sealed class QuotaExceededException : Exception
{
    public QuotaExceededException()
    {
    }

    public QuotaExceededException(string message)
        : base(message)
    {
    }

    public QuotaExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Every return shape and hot type, exceptions, cancellation, a timeout and a role-guarded write.</summary>
public interface IRemoteTestGrain : IGrainWithStringKey
{
    Task Ping();

    ValueTask Touch();

    Task<int> Increment();

    ValueTask<int> GetCount();

    Task<int> MaxConcurrentTurns();

    Task<string?> EchoString(string? value);

    Task<int?> EchoNullableInt(int? value);

    Task<bool> Negation(bool value);

    Task<long> Negate(long value);

    Task<double> Half(double value);

    Task<Guid> EchoGuid(Guid value);

    Task<DateTime> AddHour(DateTime value);

    Task<TimeSpan> Twice(TimeSpan value);

    Task<DayOfWeek> NextDay(DayOfWeek day);

    Task<byte[]> Reverse(byte[] bytes);

    ValueTask<ReadOnlyMemory<byte>> EchoMemory(ReadOnlyMemory<byte> bytes);

    Task<EchoBundle> EchoRecord(EchoBundle bundle);

    Task<string> Join(string grainKey, int number, string? text);

    Task Fail(string kind, string message);

    Task<int> WaitForCancellation(CancellationToken cancellationToken);

    [ResponseTimeout("00:00:05")]
    Task<int> Hang(CancellationToken cancellationToken);

    [RequiresRole(ClientRoles.Write)]
    Task Store(int value);
}

/// <summary>What the grain saw, for the test (one per silo, injected; no static state shared between tests).</summary>
public sealed class RemoteProbe
{
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Stored { get; set; }
}

public sealed class RemoteTestGrain(RemoteProbe probe) : Grain, IRemoteTestGrain
{
    private int _count;
    private int _inside;
    private int _maxInside;

    public Task Ping() => Task.CompletedTask;

    public ValueTask Touch() => ValueTask.CompletedTask;

    /// <summary>Not atomic: it reads, leaves the thread, then writes; only one turn at a time keeps the count exact.</summary>
    public async Task<int> Increment()
    {
        _maxInside = Math.Max(_maxInside, ++_inside);
        int value = _count;
        await Task.Yield();
        await Task.Run(static () => { });
        _count = value + 1;
        _inside--;
        return _count;
    }

    public ValueTask<int> GetCount() => ValueTask.FromResult(_count);

    public Task<int> MaxConcurrentTurns() => Task.FromResult(_maxInside);

    public Task<string?> EchoString(string? value) => Task.FromResult(value);

    public Task<int?> EchoNullableInt(int? value) => Task.FromResult(value);

    public Task<bool> Negation(bool value) => Task.FromResult(!value);

    public Task<long> Negate(long value) => Task.FromResult(-value);

    public Task<double> Half(double value) => Task.FromResult(value / 2);

    public Task<Guid> EchoGuid(Guid value) => Task.FromResult(value);

    public Task<DateTime> AddHour(DateTime value) => Task.FromResult(value.AddHours(1));

    public Task<TimeSpan> Twice(TimeSpan value) => Task.FromResult(value * 2);

    public Task<DayOfWeek> NextDay(DayOfWeek day) => Task.FromResult((DayOfWeek)(((int)day + 1) % 7));

    public Task<byte[]> Reverse(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        Array.Reverse(copy);
        return Task.FromResult(copy);
    }

    public ValueTask<ReadOnlyMemory<byte>> EchoMemory(ReadOnlyMemory<byte> bytes) => ValueTask.FromResult(bytes);

    public Task<EchoBundle> EchoRecord(EchoBundle bundle) => Task.FromResult(bundle with { Number = bundle.Number + 1 });

    public Task<string> Join(string grainKey, int number, string? text) =>
        Task.FromResult($"{this.GetPrimaryKeyString()}|{grainKey}|{number}|{text ?? "null"}");

    public Task Fail(string kind, string message) => kind switch
    {
        "invalid" => throw new InvalidOperationException(message),
        "argument" => throw new ArgumentException(message),
        "inconsistent" => throw new InconsistentStateException(message),
        _ => throw new QuotaExceededException(message),
    };

    /// <summary>Counts as a turn in progress (for <see cref="MaxConcurrentTurns"/>) while it waits.</summary>
    public async Task<int> WaitForCancellation(CancellationToken cancellationToken)
    {
        _maxInside = Math.Max(_maxInside, ++_inside);
        probe.Started.TrySetResult();
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return 0;
        }
        catch (OperationCanceledException)
        {
            probe.Cancelled.TrySetResult();
            throw;
        }
        finally
        {
            _inside--;
        }
    }

    public Task<int> Hang(CancellationToken cancellationToken) => WaitForCancellation(cancellationToken);

    public Task Store(int value)
    {
        probe.Stored = value;
        return Task.CompletedTask;
    }
}

/// <summary>Grain A of the cross-silo cycle (Hosting tests): not reentrant, so the callback from B must ride the call chain.</summary>
public interface ICycleStartGrain : IGrainWithStringKey
{
    Task<string> Start(string otherKey);

    Task<string> Leaf();
}

public interface ICycleBounceGrain : IGrainWithStringKey
{
    Task<string> Bounce(string startKey);
}

public sealed class CycleStartGrain : Grain, ICycleStartGrain
{
    private int _leaves;

    public async Task<string> Start(string otherKey) =>
        "start>" + await GrainFactory.GetGrain<ICycleBounceGrain>(otherKey).Bounce(this.GetPrimaryKeyString());

    public Task<string> Leaf() => Task.FromResult($"leaf{++_leaves}");
}

public sealed class CycleBounceGrain : Grain, ICycleBounceGrain
{
    public async Task<string> Bounce(string startKey) =>
        "bounce>" + await GrainFactory.GetGrain<ICycleStartGrain>(startKey).Leaf();
}
