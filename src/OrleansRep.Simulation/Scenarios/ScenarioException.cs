namespace OrleansRep.Simulation.Scenarios;

/// <summary>A scenario command that cannot be run as written (unknown command, bad arguments), with its line.</summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException(string script, int line, string message)
        : base($"{script}:{line}: {message}")
    {
    }

    public ScenarioException()
    {
    }

    public ScenarioException(string message)
        : base(message)
    {
    }

    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
