using System.Linq.Expressions;
using System.Reflection;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// What the runtime knows about one grain interface method: whether it always interleaves, how to turn the
/// grain's returned task into the runtime's <c>Task&lt;object?&gt;</c>, and back into the declared return type
/// for the caller. The generic adapters and a compiled invoker are bound once per method, so a call does no
/// reflection; the adapters skip the async machinery when the task has already completed (the common case for a
/// grain that answers from memory).
/// </summary>
internal sealed class GrainMethodDescriptor
{
    /// <summary>What the compiled invoker returns when an argument is not exactly of its parameter's type.</summary>
    private static readonly object ArgumentMismatch = new();

    private static readonly Task<object?> CompletedNull = Task.FromResult<object?>(null);

    private readonly Func<object, Task<object?>> _fromGrainResult;
    private readonly Func<Task<object?>, object> _toDeclaredResult;
    private readonly Func<object, object?[], object?> _invoker;
    private readonly int _parameterCount;

    private GrainMethodDescriptor(MethodInfo method, Func<object, Task<object?>> fromGrainResult, Func<Task<object?>, object> toDeclaredResult)
    {
        Method = method;
        AlwaysInterleave = method.IsDefined(typeof(AlwaysInterleaveAttribute), inherit: false);
        _fromGrainResult = fromGrainResult;
        _toDeclaredResult = toDeclaredResult;
        _parameterCount = method.GetParameters().Length;
        _invoker = CompileInvoker(method);
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
            returned = args.Length == _parameterCount ? _invoker(grain, args) : ArgumentMismatch;
            if (ReferenceEquals(returned, ArgumentMismatch))
            {
                // Reflection's rules for the rest: null for a value type is its default, primitives widen, and a
                // wrong count or type is its ArgumentException / TargetParameterCountException.
                returned = Method.Invoke(grain, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);
            }
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

    /// <summary>
    /// (grain, args) => args[i] is Ti &amp;&amp; ... ? (object)((TInterface)grain).Method((Ti)args[i], ...) : ArgumentMismatch.
    /// A null argument matches a reference or nullable parameter; anything else that is not exactly typed takes
    /// the reflection path, so the compiled call never behaves differently from <see cref="MethodInfo.Invoke(object, object[])"/>.
    /// </summary>
    private static Func<object, object?[], object?> CompileInvoker(MethodInfo method)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        Expression matches = Expression.Constant(true);
        var arguments = new List<Expression>();
        foreach (var parameter in method.GetParameters())
        {
            var type = parameter.ParameterType;
            var argument = Expression.ArrayIndex(args, Expression.Constant(parameter.Position));
            Expression match = Expression.TypeIs(argument, type);
            if (!type.IsValueType || Nullable.GetUnderlyingType(type) is not null)
            {
                match = Expression.OrElse(Expression.Equal(argument, Expression.Constant(null)), match);
            }

            matches = Expression.AndAlso(matches, match);
            arguments.Add(Expression.Convert(argument, type));
        }

        var call = Expression.Call(Expression.Convert(grain, method.DeclaringType!), method, arguments);
        var body = Expression.Condition(matches, Expression.Convert(call, typeof(object)), Expression.Constant(ArgumentMismatch));
        return Expression.Lambda<Func<object, object?[], object?>>(body, grain, args).Compile();
    }

    private static TDelegate Bind<TDelegate>(string name, Type? resultType) where TDelegate : Delegate
    {
        var method = typeof(GrainMethodDescriptor).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;
        return (resultType is null ? method : method.MakeGenericMethod(resultType)).CreateDelegate<TDelegate>();
    }

    private static Task<object?> FromTask(object returned) =>
        returned is Task { IsCompletedSuccessfully: true } ? CompletedNull : AwaitTask((Task)returned);

    private static Task<object?> FromTaskOfT<T>(object returned) =>
        returned is Task<T> { IsCompletedSuccessfully: true } done ? Task.FromResult<object?>(done.Result) : AwaitTaskOfT((Task<T>)returned);

    private static Task<object?> FromValueTask(object returned)
    {
        var task = (ValueTask)returned;
        return task.IsCompletedSuccessfully ? CompletedNull : AwaitTask(task.AsTask());
    }

    private static Task<object?> FromValueTaskOfT<T>(object returned)
    {
        var task = (ValueTask<T>)returned;
        return task.IsCompletedSuccessfully ? Task.FromResult<object?>(task.Result) : AwaitTaskOfT(task.AsTask());
    }

    private static async Task<object?> AwaitTask(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    private static async Task<object?> AwaitTaskOfT<T>(Task<T> task) => await task.ConfigureAwait(false);

    // The To* adapters return object because they are bound to one delegate type; the proxy returns object anyway.
#pragma warning disable CA1859
    private static object ToTask(Task<object?> result) => result;

    private static object ToTaskOfT<T>(Task<object?> result) =>
        result.IsCompletedSuccessfully && result.Result is T value ? Task.FromResult(value) : CastAsync<T>(result);

    private static object ToValueTask(Task<object?> result) => new ValueTask(result);

    private static object ToValueTaskOfT<T>(Task<object?> result) =>
        result.IsCompletedSuccessfully && result.Result is T value ? new ValueTask<T>(value) : new ValueTask<T>(CastAsync<T>(result));
#pragma warning restore CA1859

    private static async Task<T> CastAsync<T>(Task<object?> result) => (T)(await result.ConfigureAwait(false))!;
}
