namespace OrleansRep.Grains.Interfaces;

/// <summary>A key is longer than the engine's limit (or empty); nothing was written.</summary>
public sealed class KeyTooLargeException : ShardException
{
    public KeyTooLargeException()
    {
    }

    public KeyTooLargeException(string message)
        : base(message)
    {
    }

    public KeyTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
