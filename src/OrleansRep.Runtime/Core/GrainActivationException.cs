namespace OrleansRep.Runtime.Core;

/// <summary>
/// A grain could not be activated: its constructor, its state load or its <see cref="Grain.OnActivateAsync"/> threw
/// (the <see cref="Exception.InnerException"/>). The failed activation is discarded; the next call tries afresh.
/// </summary>
public sealed class GrainActivationException : Exception
{
    public GrainActivationException()
    {
    }

    public GrainActivationException(string message)
        : base(message)
    {
    }

    public GrainActivationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal GrainActivationException(GrainId grainId, Exception innerException)
        : base($"Activation of grain {grainId} failed: {innerException.Message}", innerException)
    {
        GrainId = grainId;
    }

    /// <summary>The grain whose activation failed.</summary>
    public GrainId GrainId { get; }
}
