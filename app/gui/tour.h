// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Guided tours (Help > Tours): step-by-step explanations that drive the real window — open
// a bundled demo model, run a sentence, choose a layer and head, switch views, open the
// fine-tuning window — and outline the widget each step talks about. A tour can be left
// (its place is remembered in QSettings) and resumed from the step it was left at.
//
//   TourGuide guide(window);
//   guide.start(QStringLiteral("attention"));   // stepShown(0) once the step's work is done
//   guide.next();                               // ... finished() after the last step
//
// Thread safety: the GUI thread.

#include <QFrame>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <functional>


class QLabel;
class QPushButton;

namespace lumen::app {

class MainWindow;

struct TourStep {
    QString title;
    QString text;
    /// Drives the window into the step (may start a load or a run).
    std::function<void(MainWindow&)> enter;
    /// The widget the step talks about (outlined); null or nullptr: none.
    std::function<QWidget*(MainWindow&)> target;
    /// The step is shown once this holds (the load or run it started is done); null: at once.
    std::function<bool(MainWindow&)> ready;
};

struct Tour {
    QString id; ///< "attention"
    QString title; ///< "What is attention?"
    QList<TourStep> steps;
};

/// The six tours, in menu order: attention, masked-causal, receptive-fields, albert,
/// compare, fine-tuning.
QList<Tour> tours();

class TourGuide : public QObject {
    Q_OBJECT

public:
    explicit TourGuide(MainWindow* window);
    ~TourGuide() override;

    /// Starts tour `id` at `step`; false for an unknown tour or step.
    bool start(const QString& id, int step = 0);
    void next();
    void back();
    /// Closes the tour, remembering where it was (resume() continues there).
    void leave();
    /// The tour and step last left; false when there is none.
    bool resume();
    QString savedTour() const;
    int savedStep() const;

    bool isActive() const { return tour_ >= 0; }
    int currentStep() const { return step_; }
    QString currentTour() const;
    /// True once the current step's work is done and it is shown.
    bool isReady() const { return ready_; }
    QFrame* panel() const { return panel_; }
    /// The outline around the step's widget (hidden when the step has none).
    QWidget* outline() const { return outline_; }
    QWidget* outlinedWidget() const { return target_; }

Q_SIGNALS:
    void stepShown(int step);
    void finished(); ///< the last step's Next
    void left();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void enterStep();
    void poll();
    void place();
    void close();

    MainWindow* window_;
    QList<Tour> tours_;
    int tour_ = -1;
    int step_ = 0;
    bool ready_ = false;
    QTimer poll_;
    QPointer<QWidget> target_;
    QPointer<QFrame> panel_;
    QPointer<QWidget> outline_;
    QLabel* title_ = nullptr;
    QLabel* text_ = nullptr;
    QLabel* counter_ = nullptr;
    QPushButton* back_ = nullptr;
    QPushButton* next_ = nullptr;
};

} // namespace lumen::app
