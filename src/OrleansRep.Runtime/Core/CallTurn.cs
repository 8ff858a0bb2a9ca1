using System.Threading.Tasks.Sources;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// A queued grain call: the mailbox item and the caller's result in one object (no closure, delegates or task per
/// call). The turn ends the call's in-flight count before the caller sees the outcome; await it once.
/// <para>Completion: a caller's continuation must not run inside the grain's turn (it would hold the activation and
/// run on its scheduler), so the result is published asynchronously, except for <see cref="GrainCall.RepliesInline"/>
/// calls: the silo's remote gateway awaits those only to encode the result and queue the reply frame, so that runs
/// inline and a remote call saves a thread-pool hop. (A <see cref="TaskCompletionSource"/> could not do this: a task
/// never runs a continuation inline on a non-default scheduler.)</para>
/// </summary>
internal sealed class CallTurn : IMailboxItem, IValueTaskSource<object?>
{
    private readonly GrainActivation _activation;
    private readonly GrainCall _call;
    private readonly GrainMethodDescriptor _method;
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();
    private ManualResetValueTaskSourceCore<object?> _result;

    public CallTurn(GrainActivation activation, GrainCall call, GrainMethodDescriptor method)
    {
        _activation = activation;
        _call = call;
        _method = method;
        _result.RunContinuationsAsynchronously = !call.RepliesInline;
    }

    public ValueTask<object?> Result => new(this, _result.Version);

    public Task RunAsync()
    {
        Task<object?> result = _activation.InvokeGrainAsync(_call, _method);
        if (!result.IsCompleted)
        {
            return FinishWhenDoneAsync(result);
        }

        Finish(result);
        return Task.CompletedTask;
    }

    public void Fail(Exception error)
    {
        _activation.OnTurnCompleted(isCall: true);
        _activation.RecordCall(_method, _started, failed: true);
        _result.SetException(error);
    }

    public object? GetResult(short token) => _result.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _result.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _result.OnCompleted(continuation, state, token, flags);

    private async Task FinishWhenDoneAsync(Task<object?> result)
    {
        await ((Task)result).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Finish(result);
    }

    private void Finish(Task<object?> result)
    {
        _activation.OnTurnCompleted(isCall: true);
        _activation.RecordCall(_method, _started, failed: !result.IsCompletedSuccessfully);
        object? value;
        try
        {
            value = result.GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // The grain's exception is the call's result: it goes to the caller.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _result.SetException(e);
            return;
        }

        _result.SetResult(value);
    }
}
