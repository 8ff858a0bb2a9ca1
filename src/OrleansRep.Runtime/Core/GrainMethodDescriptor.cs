using System.Reflection;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// What the runtime knows about one grain interface method: whether it always interleaves, how to turn the
/// grain's returned task into the runtime's <c>Task&lt;object?&gt;</c>, and back into the declared return type
/// for the caller. The generic adapters are bound once per method, so a call does no reflection but the invoke.
/// </summary>
internal sealed class GrainMethodDescriptor
{
    private readonly Func<object, Task<object?>> _fromGrainResult;
    private readonly Func<Task<object?>, object> _toDeclaredResult;

    private GrainMethodDescriptor(MethodInfo method, Func<object, Task<object?>> fromGrainResult, Func<Task<object?>, object> toDeclaredResult)
    {
        Method = method;
        AlwaysInterleave = method.IsDefined(typeof(AlwaysInterleaveAttribute), inherit: false);
        _fromGrainResult = fromGrainResult;
        _toDeclaredResult = toDeclaredResult;
    }

    public MethodInfo Method { get; }

    public bool AlwaysInterleave { get; }

    /// <summary>The descriptor of <paramref name="method"/>, or the reason the runtime cannot call it.</summary>
    public static GrainMethodDescriptor? TryCreate(MethodInfo method, out string? problem)
    {
        problem = null;
        if (method.IsGenericMethodDefinition)
        {
            problem = "generic methods are not supported";
        }
        else if (method.GetParameters().Any(p => p.ParameterType.IsByRef))
        {
            problem = "ref, out and in parameters are not supported";
        }

        var returnType = method.ReturnType;
        string? adapter = null;
        Type? resultType = null;
        if (returnType == typeof(Task))
        {
            adapter = nameof(FromTask);
        }
        else if (returnType == typeof(ValueTask))
        {
            adapter = nameof(FromValueTask);
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            (adapter, resultType) = (nameof(FromTaskOfT), returnType.GetGenericArguments()[0]);
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            (adapter, resultType) = (nameof(FromValueTaskOfT), returnType.GetGenericArguments()[0]);
        }
        else
        {
            problem ??= $"it returns {returnType.Name}; grain methods return Task, Task<T>, ValueTask or ValueTask<T>";
        }

        if (problem is not null || adapter is null)
        {
            return null;
        }

        var from = Bind<Func<object, Task<object?>>>(adapter, resultType);
        var to = Bind<Func<Task<object?>, object>>("To" + adapter[4..], resultType);
        return new GrainMethodDescriptor(method, from, to);
    }

    /// <summary>Calls the method on the grain; a synchronous throw surfaces as a faulted task, unwrapped.</summary>
    public Task<object?> Invoke(object grain, IReadOnlyList<object?> arguments)
    {
        object? returned;
        try
        {
            var args = arguments as object?[] ?? [.. arguments];
            returned = Method.Invoke(grain, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);
        }
#pragma warning disable CA1031 // The grain's exception is the call's result; it is delivered to the caller, not swallowed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Task.FromException<object?>(ex);
        }

        return returned is null
            ? Task.FromException<object?>(new InvalidOperationException($"Grain method {Method.DeclaringType?.Name}.{Method.Name} returned a null task."))
            : _fromGrainResult(returned);
    }

    /// <summary>The runtime's result as the caller's declared return type.</summary>
    public object ToDeclaredResult(Task<object?> result) => _toDeclaredResult(result);

    private static TDelegate Bind<TDelegate>(string name, Type? resultType) where TDelegate : Delegate
    {
        var method = typeof(GrainMethodDescriptor).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;
        return (resultType is null ? method : method.MakeGenericMethod(resultType)).CreateDelegate<TDelegate>();
    }

    private static async Task<object?> FromTask(object returned)
    {
        await ((Task)returned).ConfigureAwait(false);
        return null;
    }

    private static async Task<object?> FromTaskOfT<T>(object returned) => await ((Task<T>)returned).ConfigureAwait(false);

    private static async Task<object?> FromValueTask(object returned)
    {
        await ((ValueTask)returned).ConfigureAwait(false);
        return null;
    }

    private static async Task<object?> FromValueTaskOfT<T>(object returned) => await ((ValueTask<T>)returned).ConfigureAwait(false);

    // The To* adapters return object because they are bound to one delegate type; the proxy returns object anyway.
#pragma warning disable CA1859
    private static object ToTask(Task<object?> result) => result;

    private static object ToTaskOfT<T>(Task<object?> result) => CastAsync<T>(result);

    private static object ToValueTask(Task<object?> result) => new ValueTask(result);

    private static object ToValueTaskOfT<T>(Task<object?> result) => new ValueTask<T>(CastAsync<T>(result));
#pragma warning restore CA1859

    private static async Task<T> CastAsync<T>(Task<object?> result) => (T)(await result.ConfigureAwait(false))!;
}
