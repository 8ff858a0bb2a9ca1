using System.Reflection;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Runtime.Tests.Core;

public interface IInvokerProbeGrain : IGrainWithStringKey
{
    Task<long> Add(int a, long b);

    Task<string?> Echo(string? text);

    Task<int?> Maybe(int? value);

    ValueTask<int> Twice(int value);

    Task Fail(string message);

    Task<int> Later(Task<int> gate);
}

/// <summary>The descriptor calls any implementation of the interface; a plain object keeps the silo out of these tests.</summary>
public sealed class InvokerProbe : IInvokerProbeGrain
{
    public Task<long> Add(int a, long b) => Task.FromResult(a + b);

    public Task<string?> Echo(string? text) => Task.FromResult(text);

    public Task<int?> Maybe(int? value) => Task.FromResult(value);

    public ValueTask<int> Twice(int value) => ValueTask.FromResult(value * 2);

    public Task Fail(string message) => throw new InvalidOperationException(message);

    public Task<int> Later(Task<int> gate) => gate;
}

/// <summary>The compiled invoker and the completed-task fast paths behave exactly as reflection and async adapters did.</summary>
public sealed class GrainMethodDescriptorTests
{
    private readonly InvokerProbe _grain = new();

    [Fact]
    public async Task Exactly_typed_arguments_reach_the_grain_and_the_result_comes_back()
    {
        Assert.Equal(5L, await Invoke(nameof(IInvokerProbeGrain.Add), 2, 3L));
        Assert.Equal("x", await Invoke(nameof(IInvokerProbeGrain.Echo), "x"));
        Assert.Null(await Invoke(nameof(IInvokerProbeGrain.Echo), [null]));
        Assert.Null(await Invoke(nameof(IInvokerProbeGrain.Maybe), [null]));
        Assert.Equal(7, await Invoke(nameof(IInvokerProbeGrain.Maybe), 7));
        Assert.Equal(8, await Invoke(nameof(IInvokerProbeGrain.Twice), 4));
    }

    [Fact]
    public async Task Arguments_the_compiled_call_does_not_take_follow_reflection_rules()
    {
        // Null for a value type is its default; an int widens to a long parameter: as MethodInfo.Invoke does.
        Assert.Equal(3L, await Invoke(nameof(IInvokerProbeGrain.Add), null, 3L));
        Assert.Equal(5L, await Invoke(nameof(IInvokerProbeGrain.Add), 2, 3));
        await Assert.ThrowsAsync<ArgumentException>(() => Invoke(nameof(IInvokerProbeGrain.Add), "2", 3L));
        await Assert.ThrowsAsync<TargetParameterCountException>(() => Invoke(nameof(IInvokerProbeGrain.Add), 2));
    }

    [Fact]
    public async Task A_synchronous_throw_is_a_faulted_task_with_the_grain_exception_unwrapped()
    {
        var task = Invoke(nameof(IInvokerProbeGrain.Fail), "boom");
        Assert.True(task.IsFaulted);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => task);
        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public async Task A_task_that_has_not_completed_is_awaited_and_converted_both_ways()
    {
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var descriptor = Descriptor(nameof(IInvokerProbeGrain.Later));
        var result = descriptor.Invoke(_grain, [gate.Task]);
        var declared = (Task<int>)descriptor.ToDeclaredResult(result);
        Assert.False(declared.IsCompleted);

        gate.SetResult(42);

        Assert.Equal(42, await declared);
    }

    [Fact]
    public async Task A_completed_result_converts_to_the_declared_task_and_value_task_types()
    {
        var add = Descriptor(nameof(IInvokerProbeGrain.Add));
        Assert.Equal(5L, await (Task<long>)add.ToDeclaredResult(Task.FromResult<object?>(5L)));
        var twice = Descriptor(nameof(IInvokerProbeGrain.Twice));
        Assert.Equal(8, await (ValueTask<int>)twice.ToDeclaredResult(Task.FromResult<object?>(8)));

        // A completed null for a value-type result fails the caller's task (it does not throw at the call site).
        var mismatch = (Task<long>)add.ToDeclaredResult(Task.FromResult<object?>(null));
        await Assert.ThrowsAsync<NullReferenceException>(() => mismatch);
    }

    private Task<object?> Invoke(string name, params object?[] arguments) => Descriptor(name).Invoke(_grain, arguments);

    private static GrainMethodDescriptor Descriptor(string name)
    {
        var descriptor = GrainMethodDescriptor.TryCreate(typeof(IInvokerProbeGrain).GetMethod(name)!, out var problem);
        Assert.True(descriptor is not null, problem);
        return descriptor;
    }
}
