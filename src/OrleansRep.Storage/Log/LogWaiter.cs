namespace OrleansRep.Storage.Log;

/// <summary>A caller waiting until the log is written (or durable) up to <see cref="LogWaiter.End"/>.</summary>
internal sealed class LogWaiter(Lsn end, bool durable)
{
    public Lsn End { get; } = end;
    public bool Durable { get; } = durable;
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
