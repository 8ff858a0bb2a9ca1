namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// The base of the service's typed errors. Only type name and message cross the wire, so each error's data is also
/// written into its message in a fixed form ("[master=2]") that <see cref="ShardErrors.Translate"/> reads back.
/// </summary>
public abstract class ShardException : Exception
{
    protected ShardException()
    {
    }

    protected ShardException(string message)
        : base(message)
    {
    }

    protected ShardException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
