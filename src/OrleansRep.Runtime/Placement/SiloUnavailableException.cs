using OrleansRep.Runtime.Membership;

namespace OrleansRep.Runtime.Placement;

/// <summary>
/// The silo a grain call was placed on cannot take it: no silo is active, the grain's site has no live silo, or the
/// chosen silo was declared dead or became unreachable before it answered. A call that failed this way may or may not
/// have run. Retrying places the call again on the caller's current membership view, so once the view shows the silo
/// dead the retry goes to a live one.
/// </summary>
public sealed class SiloUnavailableException : Exception
{
    /// <summary>Creates the exception for the call to <paramref name="grain"/> placed on <paramref name="silo"/> (null: no silo could be chosen).</summary>
    public SiloUnavailableException(string grain, SiloAddress? silo, string reason, Exception? innerException = null)
        : base(silo is null ? $"grain {grain}: {reason}" : $"grain {grain} on {silo}: {reason}", innerException)
    {
        Silo = silo;
    }

    public SiloUnavailableException()
    {
    }

    public SiloUnavailableException(string message)
        : base(message)
    {
    }

    public SiloUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The silo the call was placed on, when one was chosen.</summary>
    public SiloAddress? Silo { get; }
}
