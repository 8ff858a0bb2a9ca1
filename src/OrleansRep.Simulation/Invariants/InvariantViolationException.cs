namespace OrleansRep.Simulation.Invariants;

/// <summary>A safety property failed. <see cref="Step"/> and <see cref="Time"/> say where; the simulator adds the seed
/// and the command that replays the run.</summary>
public sealed class InvariantViolationException : Exception
{
    public InvariantViolationException(string checker, long step, long time, string detail)
        : base($"{checker} violated at step {step} ({SimTime.Format(time)}): {detail}")
    {
        Checker = checker;
        Step = step;
        Time = time;
        Detail = detail;
    }

    public InvariantViolationException()
        : this("unknown", 0, 0, "unknown")
    {
    }

    public InvariantViolationException(string message)
        : this("unknown", 0, 0, message)
    {
    }

    public InvariantViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Checker = "unknown";
        Detail = message;
    }

    public string Checker { get; }

    public long Step { get; }

    public long Time { get; }

    public string Detail { get; }
}
