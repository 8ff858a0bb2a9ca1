namespace OrleansRep.Grains.Interfaces;

/// <summary>A value (or a batch) is larger than the engine's limit; nothing was written.</summary>
public sealed class ValueTooLargeException : ShardException
{
    public ValueTooLargeException()
    {
    }

    public ValueTooLargeException(string message)
        : base(message)
    {
    }

    public ValueTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
