namespace OrleansRep.Grains.Interfaces;

/// <summary>One operation of an atomic batch: put <see cref="Value"/> under <see cref="Key"/>, or delete the key when
/// <see cref="Value"/> is null.</summary>
public sealed record BatchOperation(byte[] Key, byte[]? Value)
{
    public bool IsDelete => Value is null;
}
