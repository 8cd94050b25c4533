"""Automatic analysis of a video identity recording (A10.1).

The heavy libraries (PyAV, MediaPipe, dlib) are the optional ``video`` extra; they are
imported only by the modules that need them, so the rest of the deepfake domain works
without them. Entry point: :func:`brokerguard.deepfake.analysis.pipeline.analyse_recording`.
"""
