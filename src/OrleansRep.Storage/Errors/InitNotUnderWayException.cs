namespace OrleansRep.Storage;

/// <summary>A snapshot chunk was loaded, or an internal init finished, in an environment where no internal init is
/// under way (it was not opened with <see cref="StorageEnvironment.OpenForInit"/>, or the init finished already).
/// Nothing is changed.</summary>
public sealed class InitNotUnderWayException(string message) : StorageException(message);
